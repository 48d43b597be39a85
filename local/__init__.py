"""The embedded runtime: the real workflow on an in-process AWS (moto), for `make demo` and the tests.

Nothing under functions/ imports this package: the Lambda code cannot tell it is running here.
"""
