"""Runtime adapters: each turns one runtime's request/response types into
edgekit's and calls ``App.fetch``. The core never imports them."""
