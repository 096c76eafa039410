#!/usr/bin/env python3
"""Convert public BLE RSSI datasets into the engine's test fixtures.

Writes, per dataset, under beacons/testdata/real/<name>/:

  beacons.geojson    the site's beacons, a standalone registry for --beacons
  survey.jsonl.gz    training scans with their truth (for calibrate and --knn)
  walks.jsonl.gz     test scans with their truth

Sites are in metres; they are placed on an arbitrary origin (longitude 0,
latitude 0 plus a per-dataset offset), the same for beacons and truth. All
sites are one floor (ordinal 0). Beacons have no UUID in the data: each
dataset gets a fixed made-up UUID, major 1 and minor the beacon's number;
scans name beacons by registry id. No dataset states a power at 1 m, so
measured_power is estimated from the survey alone (the median of
rssi + 20 log10(d) over the survey's readings, d the horizontal distance in
metres, at least 1): what an installer would register after measuring.

Usage (python3, standard library only):

  python3 scripts/realdata-convert.py --uji DIR --kolakowski DIR [--out DIR]

--uji is the data/ folder of the UJI BLE RSS database (Zenodo 10.5281/
zenodo.1618692: dep/, rss/); --kolakowski is the root of the dataset of
Zenodo 10.5281/zenodo.5457591 (anchors.csv, calibration/, tests/). Either
may be left out. Output is deterministic (gzip without a timestamp).
"""

import argparse
import csv
import datetime
import gzip
import io
import json
import math
import os
import statistics
import sys

EARTH_RADIUS = 6371008.8  # metres, as geo.EarthRadius


class Site:
    """A dataset's site: metres to longitude, latitude on its own origin."""

    def __init__(self, name, uuid, lon0, lat0):
        self.name, self.uuid, self.lon0, self.lat0 = name, uuid, lon0, lat0
        self.ky = EARTH_RADIUS * math.pi / 180
        self.kx = self.ky * math.cos(lat0 * math.pi / 180)
        self.level = name + "-0"

    def lonlat(self, x, y):
        return round(self.lon0 + x / self.kx, 8), round(self.lat0 + y / self.ky, 8)

    def truth(self, x, y):
        lon, lat = self.lonlat(x, y)
        return {"lon": lon, "lat": lat, "ordinal": 0, "level": self.level}


def fail(msg):
    sys.exit("realdata-convert: " + msg)


def read_csv_rows(path):
    try:
        with open(path, newline="") as f:
            return list(csv.reader(f))
    except OSError as e:
        fail(f"{path}: {e}")


def iso(seconds):
    """RFC 3339 UTC with milliseconds, from seconds since the epoch."""
    ms = int(round(seconds * 1000))
    t = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(milliseconds=ms)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def measured_power(beacons, survey):
    """Median of rssi + 20 log10(d) over the survey's readings (see above)."""
    at = {b["id"]: (b["x"], b["y"]) for b in beacons}
    vals = []
    for s in survey:
        x, y = s["_xy"]
        for h in s["scans"]:
            bx, by = at[h["beacon"]]
            d = max(1.0, math.hypot(x - bx, y - by))
            vals.append(h["rssi"] + 20 * math.log10(d))
    return round(statistics.median(vals))


def write_dataset(out, site, beacons, survey, walks, source):
    """Writes beacons.geojson, survey.jsonl.gz and walks.jsonl.gz."""
    d = os.path.join(out, site.name)
    os.makedirs(d, exist_ok=True)
    power = measured_power(beacons, survey)
    feats = []
    for b in beacons:
        lon, lat = site.lonlat(b["x"], b["y"])
        feats.append({
            "type": "Feature", "id": b["id"],
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"uuid": site.uuid, "major": 1, "minor": b["minor"], "measured_power": power,
                           "level_id": site.level, "ordinal": 0, "x_m": b["x"], "y_m": b["y"]},
        })
    fc = {"type": "FeatureCollection", "source": source, "features": feats}
    with open(os.path.join(d, "beacons.geojson"), "w") as f:
        json.dump(fc, f, indent=1)
        f.write("\n")
    for fname, scans in (("survey.jsonl.gz", survey), ("walks.jsonl.gz", walks)):
        buf = io.StringIO()
        for s in scans:
            line = {k: v for k, v in s.items() if not k.startswith("_")}
            buf.write(json.dumps(line, separators=(",", ":")) + "\n")
        with open(os.path.join(d, fname), "wb") as raw:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
                gz.write(buf.getvalue().encode())
    print(f"{site.name}: {len(beacons)} beacons (measured_power {power} dBm), "
          f"{len(survey)} survey scans, {len(walks)} test scans, "
          f"{len({s['device'] for s in walks})} test devices")


# --- UJI: Mendoza-Silva et al., BLE RSS measurements database (2018) -------

# Row ids are PHONE POWER CAMPAIGN POINT(3) SAMPLE(2), digit by digit.
UJI_BOOT = 1541030400.0  # 2018-11-01T00:00:00Z: the data's times are since each phone's boot

# The Geotec zone's training points (the database's own "fullLimits"
# configuration: the border and the middle row); the other points test.
UJI_GEO_TRAIN = {1, 2, 3, 4, 5, 9, 10, 14, 15, 19, 20, 24, 25, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
                 44, 45, 49, 50, 54, 55, 59, 60, 64, 65, 66, 67, 68, 7, 12, 17, 22, 27, 42, 47, 52, 57, 62}


def uji(datadir, zone, out):
    dep = read_csv_rows(os.path.join(datadir, "dep", zone + ".csv"))
    if dep[0] != ["id", "x", "y"]:
        fail(f"{zone}: dep header is {dep[0]}, want id,x,y")
    beacons = []
    for n, r in enumerate(dep[1:], 1):
        beacons.append({"id": f"{zone}-{r[0].lstrip('B')}", "minor": n, "x": float(r[1]), "y": float(r[2])})
    rss = read_csv_rows(os.path.join(datadir, "rss", zone + "_rss.csv"))
    tms = read_csv_rows(os.path.join(datadir, "rss", zone + "_tms.csv"))
    crd = read_csv_rows(os.path.join(datadir, "rss", zone + "_crd.csv"))
    ids = read_csv_rows(os.path.join(datadir, "rss", zone + "_ids.csv"))
    if not (len(rss) == len(tms) == len(crd) == len(ids)):
        fail(f"{zone}: rss, tms, crd and ids have {len(rss)}, {len(tms)}, {len(crd)}, {len(ids)} rows")
    if zone == "geo":
        site = Site("uji-geotec", "f7826da6-4fa2-4e98-8024-bc5b71e00001", 0.0, 0.0)
    else:
        site = Site("uji-library", "f7826da6-4fa2-4e98-8024-bc5b71e00002", 0.01, 0.0)
    survey, walks = [], []
    for i in range(len(rss)):
        if len(rss[i]) != len(beacons) or len(tms[i]) != len(beacons):
            fail(f"{zone}_rss.csv row {i + 1}: {len(rss[i])} columns, want {len(beacons)} (one a beacon)")
        rid = int(ids[i][0])
        phone, power, campaign = rid // 10**7, rid // 10**6 % 10, rid // 10**5 % 10
        point, sample = rid // 100 % 1000, rid % 100
        if zone == "geo" and power != 2:
            continue  # -12 dBm only, as the library; -4 and -20 dBm are left out
        x, y = float(crd[i][0]), float(crd[i][1])
        heard, last = [], 0
        for b, v, t in zip(beacons, rss[i], tms[i]):
            v = float(v)
            if v == 100:
                continue
            heard.append({"beacon": b["id"], "rssi": v})
            last = max(last, int(t))
        if zone == "geo":
            train = point in UJI_GEO_TRAIN
        else:
            train = campaign == 2  # the first campaign; the fourth (3) tests
        s = {"_xy": (x, y), "_key": (phone, point, sample), "_t": last}
        if train:
            if not heard:
                continue
            s["device"] = f"survey-phone{phone}"
        else:
            s["device"] = f"phone{phone}-point{point:02d}"
        s["t"] = None
        s["scans"] = heard
        s["truth"] = site.truth(x, y)
        (survey if train else walks).append(s)
    for scans in (survey, walks):
        # Times: the newest reading of the scan, since the phone's boot; a scan
        # that heard nothing comes a second after the previous one.
        scans.sort(key=lambda s: (s["device"], s["_key"]))
        prev = {}
        for s in scans:
            t = s["_t"] / 1e9 if s["_t"] else prev.get(s["device"], 0) + 1.0
            t = max(t, prev.get(s["device"], -1) + 0.001)
            prev[s["device"]] = t
            s["t"] = iso(UJI_BOOT + t)
        scans.sort(key=lambda s: (s["t"], s["device"]))
    src = ("Mendoza-Silva, Matey-Sanz, Torres-Sospedra, Huerta: BLE RSS measurements database and supporting "
           "materials, Universitat Jaume I, doi:10.5281/zenodo.1618692, CC BY 4.0; converted")
    write_dataset(out, site, beacons, survey, walks, src)


# --- Kolakowski: BLE RSS dataset for fingerprinting radio map calibration ---

def kolakowski(root, out):
    site = Site("kolakowski-flat", "f7826da6-4fa2-4e98-8024-bc5b71e00003", 0.02, 0.0)
    anchors = read_csv_rows(os.path.join(root, "anchors.csv"))
    if anchors[0] != ["id", "x", "y", "z"]:
        fail(f"anchors.csv header is {anchors[0]}, want id,x,y,z")
    beacons = [{"id": f"anchor-{r[0]}", "minor": int(r[0]), "x": float(r[1]), "y": float(r[2])} for r in anchors[1:]]

    def load(path, device):
        rows = read_csv_rows(os.path.join(root, path))
        head = rows[0]
        col = {h: i for i, h in enumerate(head)}
        for need in ("ts", "x", "y"):
            if need not in col:
                fail(f"{path}: no column {need}")
        scans = []
        for n, r in enumerate(rows[1:], 2):
            heard = []
            for b in beacons:
                c = "rssi_" + str(b["minor"])
                if c not in col:
                    fail(f"{path}: no column {c}")
                v = r[col[c]]
                if v != "":
                    heard.append({"beacon": b["id"], "rssi": round(float(v), 1)})
            x, y = float(r[col["x"]]), float(r[col["y"]])
            scans.append({"device": device, "t": iso(float(r[col["ts"]]) / 1e9), "scans": heard,
                          "truth": site.truth(x, y), "_xy": (x, y)})
        return scans

    survey = [s for s in load(os.path.join("calibration", "calibration_df.csv"), "robot-survey") if s["scans"]]
    walks = load(os.path.join("tests", "test_robot_df.csv"), "robot-test")
    src = ("Kolakowski: BLE RSS dataset for fingerprinting radio map calibration, Warsaw University of "
           "Technology, doi:10.5281/zenodo.5457591, CC BY 4.0; converted")
    write_dataset(out, site, beacons, survey, walks, src)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--uji", help="the UJI BLE database's data/ folder (dep/, rss/)")
    ap.add_argument("--kolakowski", help="the Kolakowski dataset's root (anchors.csv, calibration/, tests/)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "beacons", "testdata", "real"))
    a = ap.parse_args()
    if not a.uji and not a.kolakowski:
        ap.error("give --uji DIR, --kolakowski DIR or both")
    if a.uji:
        uji(a.uji, "lib", a.out)
        uji(a.uji, "geo", a.out)
    if a.kolakowski:
        kolakowski(a.kolakowski, a.out)


if __name__ == "__main__":
    main()
