"""The data model: URLs, query parameters, headers, cookies, requests and responses."""
