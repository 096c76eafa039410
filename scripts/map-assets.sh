#!/usr/bin/env bash
# Makes the map page's generated assets, committed in web/assets:
#   glyphs/  glyph PBFs (signed distance fields) from Debian's DejaVu Sans
#            Condensed, for the style's symbol labels (CJK is drawn by the
#            browser: MapLibre's localIdeographFontFamily);
#   sprite/  the icon sprite (1x and 2x) from tools/mapassets/icons/*.svg.
# Installs the font packages if they are missing. The same fonts and icons
# give the same bytes; run it after changing either and commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf ] || need+=(fonts-dejavu-extra)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${need[@]}"
fi
out=$PWD/web/assets
rm -rf "$out/glyphs" "$out/sprite"
(cd tools/mapassets && go run . glyphs -out "$out/glyphs" && go run . sprite -out "$out/sprite")
du -sb "$out/glyphs" "$out/sprite"
