"""The files a build writes besides the documents: evidence.json, tables (CSV/XLSX), the review audit of printed numbers, manifest.json."""
