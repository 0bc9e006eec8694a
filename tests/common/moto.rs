//! A real S3-compatible server (moto, from the project's venv) for one test: started on a free
//! loopback port, killed by its PID when dropped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A moto server of its own for one test.
pub struct Moto {
    child: Child,
    pub port: u16,
    python: PathBuf,
}

pub fn venv_python() -> PathBuf {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("bash")
        .arg(Path::new(root).join("scripts/venv.sh"))
        .stderr(Stdio::inherit())
        .output()
        .expect("run scripts/venv.sh");
    assert!(out.status.success(), "scripts/venv.sh failed");
    let stdout = String::from_utf8(out.stdout).unwrap();
    PathBuf::from(stdout.lines().last().expect("venv.sh prints the python path").trim())
}

impl Moto {
    pub fn start() -> Moto {
        let py = venv_python();
        let server = py.parent().unwrap().join("moto_server");
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", server.display()));
        let moto = Moto { child, port, python: py };
        let t0 = Instant::now();
        loop {
            if let Ok((200, _)) = moto.try_http("GET", "/moto-api/", &[], b"") {
                break;
            }
            assert!(t0.elapsed() < Duration::from_secs(60), "moto_server did not answer on port {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    pub fn try_http(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<(u16, Vec<u8>)> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port))?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\nConnection: close\r\n",
            self.port,
            body.len()
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        s.write_all(req.as_bytes())?;
        s.write_all(body)?;
        let mut resp = Vec::new();
        s.read_to_end(&mut resp)?;
        let line = resp.split(|&b| b == b'\n').next().unwrap_or_default();
        let code = String::from_utf8_lossy(line).split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        Ok((code, resp))
    }

    /// An S3 request without a signature (moto does not check them).
    pub fn http(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> u16 {
        let (code, resp) = self.try_http(method, path, headers, body).expect("talk to moto");
        assert!(code < 300, "{method} {path}: {code}\n{}", String::from_utf8_lossy(&resp));
        code
    }

    pub fn bucket(&self, name: &str) {
        self.http("PUT", &format!("/{name}"), &[], b"");
    }

    pub fn put(&self, bucket: &str, key: &str, body: &[u8]) {
        self.http("PUT", &format!("/{bucket}/{key}"), &[], body);
    }

    /// A signed call through boto3 (moto refuses unsigned DELETEs and overwrites); `body` is
    /// passed on stdin.
    pub fn boto(&self, call: &str, body: &[u8]) {
        let script = format!(
            "import sys, boto3\nc = boto3.client('s3', endpoint_url='http://127.0.0.1:{}', aws_access_key_id='testing', \
             aws_secret_access_key='testing', region_name='us-east-1')\nbody = sys.stdin.buffer.read()\nc.{call}",
            self.port
        );
        let mut child = Command::new(&self.python).args(["-c", &script]).stdin(Stdio::piped()).spawn().expect("python");
        child.stdin.take().unwrap().write_all(body).unwrap();
        assert!(child.wait().unwrap().success(), "{call}");
    }

    pub fn delete(&self, bucket: &str, key: &str) {
        self.boto(&format!("delete_object(Bucket='{bucket}', Key='{key}')"), b"");
    }

    pub fn overwrite(&self, bucket: &str, key: &str, body: &[u8]) {
        self.boto(&format!("put_object(Bucket='{bucket}', Key='{key}', Body=body)"), body);
    }

    /// Credentials and endpoint from the environment only, as the CLI reads them.
    pub fn env(&self, c: &mut Command) {
        c.env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{}", self.port))
            .env("AWS_ALLOW_HTTP", "true")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN");
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// An object's body (unsigned GET), or `None` when there is none.
    pub fn get(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        let (code, resp) = self.try_http("GET", &format!("/{bucket}/{key}"), &[], b"").expect("talk to moto");
        if code != 200 {
            return None;
        }
        let at = resp.windows(4).position(|w| w == b"\r\n\r\n").expect("header end") + 4;
        Some(resp[at..].to_vec())
    }

    /// Keys below `prefix` (ListObjectsV2, one page).
    pub fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        let (code, resp) =
            self.try_http("GET", &format!("/{bucket}?list-type=2&prefix={prefix}"), &[], b"").expect("talk to moto");
        assert_eq!(code, 200, "{}", String::from_utf8_lossy(&resp));
        tags(&String::from_utf8_lossy(&resp), "Key")
    }

    /// Multipart uploads started and neither completed nor aborted.
    pub fn uploads(&self, bucket: &str) -> Vec<String> {
        let (code, resp) = self.try_http("GET", &format!("/{bucket}?uploads"), &[], b"").expect("talk to moto");
        assert_eq!(code, 200, "{}", String::from_utf8_lossy(&resp));
        tags(&String::from_utf8_lossy(&resp), "UploadId")
    }
}

/// The text of every `<tag>…</tag>` in an XML answer.
fn tags(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let Some(j) = after.find(&close) else { break };
        out.push(after[..j].to_string());
        rest = &after[j..];
    }
    out
}
