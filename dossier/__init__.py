"""dossier: build PMDA consultation briefing and SAKIGAKE drafts from CDISC ADaM data."""

__version__ = "0.1.0"
