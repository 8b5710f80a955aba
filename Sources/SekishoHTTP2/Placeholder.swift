internal import CNghttp2
