"""Service logic, one module per stage; routes only translate HTTP to these calls."""

from backend.services.context import Services, build_services

__all__ = ["Services", "build_services"]
