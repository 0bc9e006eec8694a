//! Column names as evidence. A header hint supports a category found in the values; it never
//! decides alone where a value pattern exists. Some names say the column is *not* personal data
//! (order numbers, SKUs, timestamps), and some that its identifiers belong to *another* person
//! (emergency contacts), whose keys must not be linked to the row's owner.

use super::{Catalogue, DetectorId};

/// What a column name says.
#[derive(Debug, Clone, Default)]
pub struct HeaderInfo {
    /// Detectors whose header hints match.
    pub hints: Vec<DetectorId>,
    /// The name says "not personal" (and no hint says otherwise).
    pub negative: Option<String>,
    /// The name says the identifiers are another person's (contact, guarantor…).
    pub related: bool,
}

/// Names of non-personal identifiers and measures. English entries match whole words of the
/// name (`order_no`, `orderId`, `SKU`), Chinese ones substrings.
const NEGATIVE: &[&str] = &[
    "order",
    "orderid",
    "orderno",
    "sku",
    "tracking",
    "waybill",
    "batch",
    "lot",
    "version",
    "build",
    "serial",
    "sn",
    "invoice",
    "product",
    "item",
    "goods",
    "txn",
    "trade",
    "transaction",
    "uuid",
    "guid",
    "hash",
    "checksum",
    "md5",
    "sha1",
    "sha256",
    "price",
    "amount",
    "total",
    "qty",
    "quantity",
    "count",
    "timestamp",
    "ts",
    "epoch",
    "created",
    "updated",
    "time",
    "sequence",
    "seq",
    "ticket",
    "request",
    "trace",
    "span",
    "session",
    "shipment",
    "订单",
    "单号",
    "批次",
    "批号",
    "流水",
    "快递",
    "运单",
    "商品",
    "货号",
    "版本",
    "序列号",
    "金额",
    "价格",
    "数量",
    "时间戳",
    "交易号",
    "工单",
    "发票",
];

/// Names of columns that hold someone else's identifiers.
const RELATED: &[&str] = &[
    "contact",
    "emergency",
    "guarantor",
    "referrer",
    "referee",
    "agent",
    "spouse",
    "guardian",
    "parent",
    "联系人",
    "紧急",
    "担保",
    "推荐人",
    "代办",
    "代理人",
    "配偶",
    "监护人",
    "家长",
];

/// Split a column name into lower-case words: `orderId` → [order, id], `id_number` → [id, number].
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            cur.push(c.to_ascii_lowercase());
        } else {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Does `hint` name `column`? ASCII hints match a run of whole words (`id_number` matches
/// `customer_id_number` but `tel` does not match `hotel`); others match as substrings.
pub fn hint_matches(hint: &str, column: &str, column_words: &[String]) -> bool {
    if hint.is_ascii() {
        let hw = words(hint);
        if hw.is_empty() {
            return false;
        }
        // A plural column name (`contacts`, `phones`) names the same thing.
        let same = |a: &String, b: &String| a == b || a.strip_suffix('s') == Some(b.as_str());
        if column_words.windows(hw.len()).any(|w| w.iter().zip(&hw).all(|(a, b)| same(a, b))) {
            return true;
        }
        // `idnumber`, `mobileno`: a single-word column that is the hint's words joined.
        let joined: String = hw.concat();
        hw.len() > 1 && column_words.contains(&joined)
    } else {
        column.contains(hint)
    }
}

impl Catalogue {
    pub fn header_info(&self, column: &str) -> HeaderInfo {
        // A nested path is named by its last segment (`owner.phone` → `phone`) plus the rest.
        let w = words(column);
        let mut info = HeaderInfo::default();
        for (i, d) in self.detectors.iter().enumerate() {
            if d.spec.header_hints.iter().any(|h| hint_matches(h, column, &w)) {
                info.hints.push(i as DetectorId);
            }
        }
        let last = column.rsplit(['.', ']']).next().unwrap_or(column);
        let lw = words(last);
        if info.hints.is_empty() {
            info.negative = NEGATIVE.iter().find(|h| hint_matches(h, last, &lw)).map(|s| s.to_string());
        }
        info.related = RELATED.iter().any(|h| hint_matches(h, column, &w));
        info
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split() {
        assert_eq!(words("orderId"), ["order", "id"]);
        assert_eq!(words("customer_ID_number"), ["customer", "id", "number"]);
        assert_eq!(words("owner.phone"), ["owner", "phone"]);
    }

    #[test]
    fn hints() {
        let w = words("hotel_name");
        assert!(!hint_matches("tel", "hotel_name", &w));
        let w = words("contact_tel");
        assert!(hint_matches("tel", "contact_tel", &w));
        let w = words("contacts[].phone");
        assert!(hint_matches("contact", "contacts[].phone", &w));
        assert!(hint_matches("phone", "contacts[].phone", &w));
        assert!(hint_matches("身份证", "身份证号码", &words("身份证号码")));
        assert!(hint_matches("id_number", "idnumber", &words("idnumber")));
    }
}
