"""hello-service: answers GET / with a greeting and GET /healthz with ok."""

__version__ = "1.0.0"
