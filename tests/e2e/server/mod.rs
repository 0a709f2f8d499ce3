//! The source interface against the real `postern` binary on an ephemeral loopback port: the
//! harness (a source's walk to its home page), and one module per topic.

mod config;
mod headers;
mod load;
mod pages;
mod refusals;
mod submit;

use crate::http::{Browser, Multipart, Resp, codename_of, csrf_of};

pub const UA: &str = "Mozilla/5.0 (PosternTestAgent-UA-7f3c2b) Gecko/20100101";

/// Walks landing → codename → home; returns the codename.
pub fn get_codename(b: &mut Browser) -> String {
    let landing = b.get("/en/");
    assert_eq!(landing.status, 200);
    let page = b.post_form("/en/generate", &[("csrf", &csrf_of(&landing.text()))]);
    assert_eq!(page.status, 200, "{}", page.text());
    codename_of(&page.text())
}

pub fn submit(b: &mut Browser, mp: impl FnOnce(Multipart) -> Multipart) -> Resp {
    let home = b.get("/en/home");
    assert_eq!(home.status, 200, "{}", home.text());
    let form = Multipart::new().text("csrf", &csrf_of(&home.text()));
    b.post_multipart("/en/submit", mp(form))
}
