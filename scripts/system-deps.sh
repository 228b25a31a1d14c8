#!/usr/bin/env bash
# Install the Debian packages dossier needs when they are missing (fonts for PDF/DOCX/figures,
# HarfBuzz subsetting for fast font embedding, poppler for the PDF checks in the tests, LibreOffice
# Writer for the page numbers of the DOCX tables of contents; DOSSIER_WITH_LIBREOFFICE=0 leaves
# LibreOffice out: the DOCX contents then have no page numbers until Word updates the field), and
# Chromium, the browser the tests of `dossier preview` drive (DOSSIER_WITH_CHROMIUM=0 leaves it out; those
# tests are then skipped, except in CI).
# Without apt-get or root, print what to install instead of failing silently.
set -u
packages=(fonts-noto-cjk fonts-crosextra-carlito fonts-liberation2 fonts-dejavu-core libharfbuzz-subset0
          libpango-1.0-0 libpangoft2-1.0-0 poppler-utils)
if [ "${DOSSIER_WITH_LIBREOFFICE:-1}" != 0 ]; then packages+=(libreoffice-writer-nogui); fi
if [ "${DOSSIER_WITH_CHROMIUM:-1}" != 0 ]; then packages+=(chromium); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit $?
fi
echo "dossier needs these Debian packages: ${missing[*]}" >&2
echo "install them with: sudo apt-get install ${missing[*]}" >&2
exit 1
