internal import COpenSSL
internal import CSekishoShims
