"""Where raw pages come from: the sources file, the HTTP fetcher, feeds, the content-addressed raw store,
and main-content extraction of fetched HTML. Pure Python and I/O at the edges; nothing of Prefect."""
