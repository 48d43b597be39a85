"""The render_email Lambda function (handler.py is its entry point)."""
