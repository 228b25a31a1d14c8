"""`dossier preview TRIAL_DIR`: every document of the build (the briefing, the SAKIGAKE draft, the orphan draft
with an `orphan:` section) in a browser, rendered again within a second of saving a file, with the source of
every number on the page (see dossier.preview.server)."""
