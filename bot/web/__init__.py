"""The browser: the agents' queue (`/`), a case page (`/cases/{id}`), the managers' dashboard (`/dashboard`) and
the admins' page (`/admin`). Logged in with a token once, then a server-side session (see `sessions`); every
form carries a CSRF token; every page gets security headers (`security`); customer text is escaped by Jinja2."""
