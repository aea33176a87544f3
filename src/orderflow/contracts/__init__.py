"""The API's contract versions: what differs between them, for the edges that read requests and
write answers and webhook payloads. The domain and the services never know which version asked."""
