"""What every HTTP service of the product shares (the backend, the gateway, the action server): its OpenAPI
document, and (as the services grow) health checks, service-to-service credentials and metrics."""
