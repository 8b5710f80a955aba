print("sekisho-bench")
