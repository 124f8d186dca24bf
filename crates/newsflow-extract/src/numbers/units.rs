//! Physical units as they appear after (or glued to) a number: their
//! canonical names, and the conversion of each to a base unit of its
//! dimension (metres, litres, kilograms...).

use super::lexicon::ascii_lower;

/// The canonical unit one word names ("kilometres" -> `km`, "GHz" ->
/// `GHz`). Case matters only where it tells units apart: "MB" is a
/// megabyte and "Mb" (or "mb") a megabit; "mGy" a milligray.
pub(crate) fn unit_word(word: &str) -> Option<&'static str> {
    // Data sizes: an upper-case B is bytes, a lower-case b bits.
    let data = match word {
        "B" => Some("B"),
        "KB" | "kB" => Some("kB"),
        "MB" => Some("MB"),
        "GB" => Some("GB"),
        "TB" => Some("TB"),
        "PB" => Some("PB"),
        "kb" | "Kb" => Some("kb"),
        "mb" | "Mb" => Some("Mb"),
        "gb" | "Gb" => Some("Gb"),
        "Tb" => Some("Tb"),
        "mGy" => Some("mGy"),
        "mSv" => Some("mSv"),
        "μSv" | "µSv" => Some("μSv"),
        "Mw" => Some("Mw"),
        "μg" | "µg" => Some("μg"),
        _ => None,
    };
    if data.is_some() {
        return data;
    }
    // "5G" and "4G" are network generations; grams are written "g".
    if word == "G" {
        return None;
    }
    let mut buf = [0u8; 24];
    let lower = ascii_lower(word, &mut buf)?;
    Some(match lower {
        "km" | "kms" | "kilometre" | "kilometres" | "kilometer" | "kilometers" => "km",
        "m" | "metre" | "metres" | "meter" | "meters" => "m",
        "dm" | "decimetre" | "decimetres" | "decimeter" | "decimeters" => "dm",
        "cm" | "centimetre" | "centimetres" | "centimeter" | "centimeters" => "cm",
        "mm" | "millimetre" | "millimetres" | "millimeter" | "millimeters" => "mm",
        // Not "nm": news writes nautical miles so as often as nanometres.
        "nanometre" | "nanometres" | "nanometer" | "nanometers" => "nm",
        "picometre" | "picometres" | "picometer" | "picometers" => "pm",
        "mile" | "miles" | "mi" => "mi",
        "ft" | "foot" | "feet" => "ft",
        "inch" | "inches" => "in",
        "yard" | "yards" | "yd" | "yds" => "yd",
        "kg" | "kgs" | "kilogram" | "kilograms" | "kilogramme" | "kilogrammes" | "kilo"
        | "kilos" => "kg",
        "g" | "gram" | "grams" | "gramme" | "grammes" => "g",
        "mg" | "milligram" | "milligrams" | "milligramme" | "milligrammes" => "mg",
        "mcg" | "microgram" | "micrograms" | "microgramme" | "microgrammes" => "μg",
        "lb" | "lbs" => "lb",
        "oz" | "ounce" | "ounces" => "oz",
        "tonne" | "tonnes" | "ton" | "tons" | "t" => "t",
        "ml" | "millilitre" | "millilitres" | "milliliter" | "milliliters" => "ml",
        "cl" | "centilitre" | "centilitres" | "centiliter" | "centiliters" => "cl",
        "l" | "litre" | "litres" | "liter" | "liters" => "l",
        "gallon" | "gallons" => "gal",
        "tbsp" | "tablespoon" | "tablespoons" => "tbsp",
        "tsp" | "teaspoon" | "teaspoons" => "tsp",
        "cup" | "cups" => "cup",
        "rad" | "radian" | "radians" => "rad",
        "barrel" | "barrels" | "bbl" => "bbl",
        "bpd" => "bbl/d",
        "acre" | "acres" => "acre",
        "hectare" | "hectares" | "ha" => "ha",
        "mph" => "mph",
        "kph" | "kmh" | "kmph" => "km/h",
        "knot" | "knots" => "kn",
        "j" | "joule" | "joules" => "J",
        "kj" | "kilojoule" | "kilojoules" => "kJ",
        "mj" | "megajoule" | "megajoules" => "MJ",
        "w" | "watt" | "watts" => "W",
        "kw" | "kilowatt" | "kilowatts" => "kW",
        "mw" | "megawatt" | "megawatts" => "MW",
        "gw" | "gigawatt" | "gigawatts" => "GW",
        "kwh" => "kWh",
        "mwh" => "MWh",
        "gwh" => "GWh",
        "twh" => "TWh",
        "kcal" | "calories" | "kilocalories" => "kcal",
        "bit" | "bits" => "bit",
        "byte" | "bytes" => "B",
        "kilobyte" | "kilobytes" => "kB",
        "megabyte" | "megabytes" => "MB",
        "gigabyte" | "gigabytes" => "GB",
        "terabyte" | "terabytes" => "TB",
        "petabyte" | "petabytes" => "PB",
        "kilobit" | "kilobits" => "kb",
        "megabit" | "megabits" => "Mb",
        "gigabit" | "gigabits" => "Gb",
        "kbps" => "kb/s",
        "mbps" => "Mb/s",
        "gbps" => "Gb/s",
        "hz" | "hertz" => "Hz",
        "khz" | "kilohertz" => "kHz",
        "mhz" | "megahertz" => "MHz",
        "ghz" | "gigahertz" => "GHz",
        "gy" | "gray" | "grays" => "Gy",
        "mgy" | "milligray" | "milligrays" => "mGy",
        "sv" | "sievert" | "sieverts" => "Sv",
        "msv" | "millisievert" | "millisieverts" => "mSv",
        "microsievert" | "microsieverts" => "μSv",
        "degrees" | "degree" | "deg" => "°",
        "celsius" | "celcius" | "centigrade" | "centigrate" => "°C",
        "fahrenheit" | "farenheit" | "fahrenheight" => "°F",
        "kelvin" => "K",
        _ => return None,
    })
}

/// Whether a word names a temperature scale on its own ("fahrenheit"),
/// so that "convert 10 celsius to fahrenheit" names a unit without a
/// number.
pub(crate) fn is_scale_name(word: &str) -> bool {
    matches!(unit_word(word), Some("°C" | "°F"))
        && word.len() > 1
        && !word.eq_ignore_ascii_case("c")
        && !word.eq_ignore_ascii_case("f")
}

/// The temperature scale a letter or word after "°" or "degrees" names.
pub(crate) fn scale_after_degree(word: &str) -> Option<&'static str> {
    match word {
        "C" | "c" => Some("°C"),
        "F" | "f" => Some("°F"),
        "K" => Some("K"),
        _ => match unit_word(word)? {
            u @ ("°C" | "°F" | "K") => Some(u),
            _ => None,
        },
    }
}

/// The unit of `length` squared ("square metres" -> `m²`) or cubed.
pub(crate) fn power_of(length: &str, power: u8) -> Option<&'static str> {
    Some(match (length, power) {
        ("km", 2) => "km²",
        ("m", 2) => "m²",
        ("cm", 2) => "cm²",
        ("mi", 2) => "mi²",
        ("ft", 2) => "ft²",
        ("yd", 2) => "yd²",
        ("in", 2) => "in²",
        ("km", 3) => "km³",
        ("m", 3) => "m³",
        ("cm", 3) => "cm³",
        ("ft", 3) => "ft³",
        _ => return None,
    })
}

/// The speed unit of `length` per hour ("miles an hour" -> `mph`).
pub(crate) fn per_hour(length: &str) -> Option<&'static str> {
    Some(match length {
        "km" => "km/h",
        "mi" => "mph",
        "m" => "m/h",
        _ => return None,
    })
}

/// The speed unit of `length` per second ("metres per second" -> `m/s`).
pub(crate) fn per_second(length: &str) -> Option<&'static str> {
    Some(match length {
        "km" => "km/s",
        "m" => "m/s",
        _ => return None,
    })
}

/// A canonical unit's base unit and how to convert to it: the base value
/// is `value * factor + offset`. Units without a base (magnitudes,
/// angles) have none.
pub fn base_unit(unit: &str) -> Option<(&'static str, f64, f64)> {
    let (base, factor) = match unit {
        "km" => ("m", 1e3),
        "m" => ("m", 1.0),
        "dm" => ("m", 0.1),
        "cm" => ("m", 0.01),
        "mm" => ("m", 1e-3),
        "nm" => ("m", 1e-9),
        "pm" => ("m", 1e-12),
        "mi" => ("m", 1609.344),
        "ft" => ("m", 0.3048),
        "in" => ("m", 0.0254),
        "yd" => ("m", 0.9144),
        "km²" => ("m²", 1e6),
        "m²" => ("m²", 1.0),
        "cm²" => ("m²", 1e-4),
        "mi²" => ("m²", 2_589_988.110_336),
        "ft²" => ("m²", 0.092_903_04),
        "yd²" => ("m²", 0.836_127_36),
        "in²" => ("m²", 0.000_645_16),
        "acre" => ("m²", 4_046.856_422_4),
        "ha" => ("m²", 1e4),
        "l" => ("l", 1.0),
        "ml" => ("l", 1e-3),
        "cl" => ("l", 1e-2),
        "gal" => ("l", 3.785_411_784),
        "tbsp" => ("l", 0.014_786_764_781_25),
        "tsp" => ("l", 0.004_928_921_593_75),
        "cup" => ("l", 0.236_588_236_5),
        "bbl" => ("l", 158.987_294_928),
        "km³" => ("l", 1e12),
        "m³" => ("l", 1e3),
        "cm³" => ("l", 1e-3),
        "ft³" => ("l", 28.316_846_592),
        "bbl/d" => ("l/d", 158.987_294_928),
        "kg" => ("kg", 1.0),
        "g" => ("kg", 1e-3),
        "mg" => ("kg", 1e-6),
        "μg" => ("kg", 1e-9),
        "lb" => ("kg", 0.453_592_37),
        "oz" => ("kg", 0.028_349_523_125),
        "t" => ("kg", 1e3),
        "km/h" => ("m/s", 1.0 / 3.6),
        "mph" => ("m/s", 0.447_04),
        "kn" => ("m/s", 1852.0 / 3600.0),
        "m/s" => ("m/s", 1.0),
        "m/h" => ("m/s", 1.0 / 3600.0),
        "km/s" => ("m/s", 1e3),
        "°C" => ("°C", 1.0),
        "°F" => return Some(("°C", 5.0 / 9.0, -32.0 * 5.0 / 9.0)),
        "K" => return Some(("°C", 1.0, -273.15)),
        "J" => ("J", 1.0),
        "kJ" => ("J", 1e3),
        "MJ" => ("J", 1e6),
        "kcal" => ("J", 4184.0),
        "kWh" => ("J", 3.6e6),
        "MWh" => ("J", 3.6e9),
        "GWh" => ("J", 3.6e12),
        "TWh" => ("J", 3.6e15),
        "W" => ("W", 1.0),
        "kW" => ("W", 1e3),
        "MW" => ("W", 1e6),
        "GW" => ("W", 1e9),
        "bit" => ("B", 0.125),
        "B" => ("B", 1.0),
        "kB" => ("B", 1e3),
        "MB" => ("B", 1e6),
        "GB" => ("B", 1e9),
        "TB" => ("B", 1e12),
        "PB" => ("B", 1e15),
        "kb" => ("B", 125.0),
        "Mb" => ("B", 125e3),
        "Gb" => ("B", 125e6),
        "Tb" => ("B", 125e9),
        "kb/s" => ("B/s", 125.0),
        "Mb/s" => ("B/s", 125e3),
        "Gb/s" => ("B/s", 125e6),
        "Hz" => ("Hz", 1.0),
        "kHz" => ("Hz", 1e3),
        "MHz" => ("Hz", 1e6),
        "GHz" => ("Hz", 1e9),
        "Gy" => ("Gy", 1.0),
        "mGy" => ("Gy", 1e-3),
        "Sv" => ("Sv", 1.0),
        "mSv" => ("Sv", 1e-3),
        "μSv" => ("Sv", 1e-6),
        _ => return None,
    };
    Some((base, factor, 0.0))
}
