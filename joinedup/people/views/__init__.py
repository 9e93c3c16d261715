"""People pages, one module per area: records (search, signpost, the record and its forms),
transitions (dashboard, plans), imports (upload pages). Views stay thin: selectors and services."""
