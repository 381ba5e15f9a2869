"""Training beside a web server: processes that train many runs in turn (``worker``), the handles a server's pages
read them through (``service``), and one run shared by every session that asks for the same experiment (``sharing``)."""
