"""OpenAPI extensions (drf-spectacular finds them once imported: OrgsConfig.ready)."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class CachedContextJWTScheme(SimpleJWTScheme):
    """Our authentication is simplejwt's (bearer tokens), the user read through the tenant
    context cache: the same security scheme."""

    target_class = "stockscan.orgs.tenancy.authentication.CachedContextJWTAuthentication"
