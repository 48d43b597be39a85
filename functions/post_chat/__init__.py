"""The post_chat Lambda function (handler.py is its entry point)."""
