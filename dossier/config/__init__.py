"""Reading and checking the trial folder's dossier.yaml: the spec model, its per-language texts, the consultation categories, the input limits, the starter folder."""
