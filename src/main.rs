fn main() {
    std::process::exit(xborder_cli::run());
}

#[path = "cli/mod.rs"]
mod xborder_cli;
