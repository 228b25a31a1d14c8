"""Write pilot_adas_mmrm_data.csv: the CDISC Pilot 01 ADAS-Cog (ACTOT) records the pilot's `mmrm` analysis
models, selected with plain pandas (not dossier): EFFFL = Y subjects, ITTFL = Y and ANL01FL = Y records,
observed (DTYPE blank) at Weeks 8, 16 and 24, with TRT01P and SITEGR1 from ADSL. R reads it (R here has
no parquet reader): pilot_adas_reference.R. Run once from the repository root:
    python tests/reference/pilot_adas_data.py && Rscript tests/reference/pilot_adas_reference.R
"""

from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
ADAM = ROOT / "datasets" / "cdisc-pilot01" / "adam"

adsl = pd.read_sas(ADAM / "adsl.xpt", encoding="latin-1")
adas = pd.read_parquet(ADAM / "adadas.parquet")
subjects = adsl.loc[adsl["EFFFL"] == "Y", ["USUBJID", "TRT01P", "SITEGR1"]]
records = adas[(adas["PARAMCD"] == "ACTOT") & (adas["ITTFL"] == "Y") & (adas["ANL01FL"] == "Y")
               & adas["AVISIT"].isin(["Week 8", "Week 16", "Week 24"]) & (adas["DTYPE"].fillna("") == "")]
out = records[["USUBJID", "AVISIT", "AVISITN", "BASE", "CHG"]].merge(subjects, on="USUBJID")
out.sort_values(["USUBJID", "AVISITN"]).to_csv(Path(__file__).with_name("pilot_adas_mmrm_data.csv"), index=False)
