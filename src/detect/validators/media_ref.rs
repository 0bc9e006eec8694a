//! References to images and videos: an `http(s)`/`oss`/`s3` URL or a file path ending in an image
//! (or, for `media_ref`, video) extension (a query string may follow), a `data:image/…;base64,`
//! URI, or bare base64 starting with the JPEG (`/9j/`) or PNG (`iVBORw0KGgo`) signature. Only
//! the first and last bytes are examined, so a megabyte of base64 costs nothing.

use super::Ctx;

const IMAGE_EXT: &[&str] = &[".jpg", ".jpeg", ".png", ".bmp", ".webp", ".heic", ".gif", ".tif", ".tiff"];
const VIDEO_EXT: &[&str] = &[".mp4", ".h264", ".h265", ".avi", ".mov", ".mkv", ".ts", ".flv"];

/// Longest value examined (bytes): an inline image.
pub const MAX_LEN: usize = 16 << 20;

pub fn image_ref(s: &str, _: &Ctx) -> bool {
    reference(s, false)
}

pub fn media_ref(s: &str, _: &Ctx) -> bool {
    reference(s, true)
}

fn reference(s: &str, video: bool) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || b.len() > MAX_LEN {
        return false;
    }
    if b.starts_with(b"data:image/") || (video && b.starts_with(b"data:video/")) {
        return memchr::memmem::find(&b[..b.len().min(40)], b";base64,").is_some();
    }
    if b.len() >= 64 && (b.starts_with(b"/9j/") || b.starts_with(b"iVBORw0KGgo")) {
        let tail = &b[b.len() - 16..];
        return tail.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='));
    }
    // URLs and paths here start with ASCII (`https:`, `oss:`, `/data`): Chinese prose is out at
    // the first byte, before any scan of a long cell.
    if b[0] >= 0x80 || b.len() > 2048 || memchr::memchr(b' ', b).is_some() {
        return false;
    }
    // A URL or path: the extension before any query string or fragment.
    let end = memchr::memchr2(b'?', b'#', b).unwrap_or(b.len());
    let path = &s[..end];
    let ends = |exts: &[&str]| {
        exts.iter()
            .any(|e| path.len() > e.len() && path.as_bytes()[path.len() - e.len()..].eq_ignore_ascii_case(e.as_bytes()))
    };
    ends(IMAGE_EXT) || (video && ends(VIDEO_EXT))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    #[test]
    fn refs() {
        let ctx = Ctx { today: Date::new(2026, 11, 28).unwrap() };
        let b64 = format!("/9j/{}", "A".repeat(80));
        for ok in [
            "https://oss.example.com/idcard/2023/11/abc123_front.jpg",
            "s3://bucket/a/b.PNG?x=1",
            "data:image/jpeg;base64,/9j/4AAQ",
            "/data/idcards/110105_back.jpeg",
            b64.as_str(),
        ] {
            assert!(image_ref(ok, &ctx), "{ok}");
        }
        assert!(media_ref("https://cdn.example.com/cam/front_0001.mp4", &ctx));
        assert!(!image_ref("https://cdn.example.com/cam/front_0001.mp4", &ctx));
        for bad in ["https://example.com/", "photo", "not a file.jpg here", "v1.2.3", "/9j/short"] {
            assert!(!image_ref(bad, &ctx), "{bad}");
        }
    }
}
