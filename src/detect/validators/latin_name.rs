//! Personal names in Latin script (foreign staff and customers): a given name and a family name,
//! with optional middle names or initials, as English-language systems write them (`John Smith`,
//! `Thomas Y. Yang`, `Mary-Jane O'Neil`, `JEAN-LUC PICARD`, `Dr. Ana Lima Jr.`). No value
//! pattern tells a name from two capitalised words (`Blue Shirt`, `Tea Set`), so the detector
//! that uses this validator needs a name-like column name (`header_required`).
//!
//! A value: 2–5 words separated by single spaces, at most one title before (`Mr.`, `Dr.`…) and
//! one suffix after (`Jr.`, `III`, `PhD`…) besides; at least two words are names of two letters
//! or more, Title case or all capitals, letters of Latin-1 and Latin Extended-A included
//! (`José`, `Müller`, `Łukasz`), with a hyphen or an apostrophe inside (`Smith-Jones`,
//! `O'Neil`, `D'Angelo`, `McDonald`); the others are initials (`Y.` or `Y`).

use super::Ctx;

const TITLES: &[&str] = &["Dr.", "Miss", "Mr.", "Mrs.", "Ms.", "Prof.", "Dr", "Mr", "Mrs", "Ms"];
const SUFFIXES: &[&str] = &["DDS", "DVM", "II", "III", "IV", "Jr.", "MD", "PhD", "Sr.", "V", "Jr", "Sr"];

pub fn latin_name(s: &str, _: &Ctx) -> bool {
    if s.len() < 4 || s.len() > 64 || s.starts_with(' ') || s.ends_with(' ') || s.contains("  ") {
        return false;
    }
    let mut words: Vec<&str> = s.split(' ').collect();
    if words.len() > 2 && TITLES.contains(&words[0]) {
        words.remove(0);
    }
    if words.len() > 2 && SUFFIXES.contains(words.last().expect("non-empty")) {
        words.pop();
    }
    if !(2..=5).contains(&words.len()) {
        return false;
    }
    let mut names = 0;
    for (i, w) in words.iter().enumerate() {
        if initial(w) {
            // An initial stands for a given or middle name, never for the family name alone.
            if i == words.len() - 1 {
                return false;
            }
        } else if name_word(w) {
            names += 1;
        } else {
            return false;
        }
    }
    names >= 2
}

/// `Y.` or `Y`.
fn initial(w: &str) -> bool {
    let b = w.as_bytes();
    matches!(b, [c] | [c, b'.'] if c.is_ascii_uppercase())
}

/// A name word: parts joined by `-` or `'`, each part Title case (`Smith`), all capitals
/// (`SMITH`), a known prefix with an inner capital (`McDonald`), or one capital before an
/// apostrophe (`O'Neil`); at least two letters in all.
fn name_word(w: &str) -> bool {
    let mut letters = 0;
    for part in w.split(['-', '\'', '\u{2019}']) {
        let mut chars = part.chars();
        let Some(first) = chars.next() else { return false };
        if !(letter(first) && first.is_uppercase()) {
            return false;
        }
        let rest: Vec<char> = chars.collect();
        if !rest.iter().all(|&c| letter(c)) {
            return false;
        }
        let title = rest.iter().all(|c| c.is_lowercase());
        let caps = rest.iter().all(|c| c.is_uppercase());
        if !(title || caps || camel(part)) {
            return false;
        }
        letters += 1 + rest.len();
    }
    letters >= 2
}

/// `McDonald`, `MacArthur`, `DeAndre`, `LaToya`: one inner capital after a known prefix.
fn camel(part: &str) -> bool {
    ["Mc", "Mac", "De", "La", "Le", "Di", "Van", "Von", "O"].iter().any(|p| {
        part.strip_prefix(p).is_some_and(|r| {
            let mut c = r.chars();
            c.next().is_some_and(|x| x.is_uppercase()) && c.all(|x| letter(x) && x.is_lowercase())
        })
    })
}

/// ASCII letters, Latin-1 letters and Latin Extended-A (`é`, `ß`, `ł`).
fn letter(c: char) -> bool {
    c.is_ascii_alphabetic() || (('\u{C0}'..='\u{17F}').contains(&c) && c != '\u{D7}' && c != '\u{F7}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    fn ctx() -> Ctx {
        Ctx { today: Date::new(2026, 11, 28).unwrap() }
    }

    #[test]
    fn names() {
        for ok in [
            "John Smith",
            "Thomas Y. Yang",
            "Mary-Jane O'Neil",
            "JEAN-LUC PICARD",
            "Dr. Ana Lima Jr.",
            "José Müller",
            "Ronald McDonald",
            "Anne Marie D'Angelo",
            "Zhang Wei",
            "Ryan Gallagher MD",
            "Mr. John Smith",
        ] {
            assert!(latin_name(ok, &ctx()), "{ok}");
        }
        for bad in [
            "john smith",
            "Smith",
            "J. S.",
            "John S.",
            "John  Smith",
            "John Smith 3",
            "R2 D2",
            "iPhone Case",
            "John Smith Jones Brown White Black",
            "ACME-42 Corp",
            "Mr. Smith",
            "Tea--Set",
            "SmItH John",
        ] {
            assert!(!latin_name(bad, &ctx()), "{bad}");
        }
    }
}
