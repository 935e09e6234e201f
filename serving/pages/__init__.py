"""The seller pages: the queue of open leads and a lead's page, server-rendered HTML (Jinja2, no JavaScript)."""
