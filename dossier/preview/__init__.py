"""`dossier preview TRIAL_DIR`: the briefing and the SAKIGAKE draft in a browser, rendered again within a
second of saving a file, with the source of every number on the page (see dossier.preview.server)."""
