"""Request tenancy: which tenant, service and role a request works as.

It lives with the models it resolves (memberships, tenants, services) and above
`entitlements`, whose effective plan it remembers on the tenant: `resolution` binds a request
to its tenant and service, `context_cache` keeps what that costs between requests,
`authentication` reads the cached context with the token, `permissions` says which role may do
what, and `views` holds the base classes every tenant API view is built on.
"""
