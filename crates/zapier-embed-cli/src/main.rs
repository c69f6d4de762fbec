//! `zembed`: the zapier-embed demo and the operator's command-line tool.

fn main() {}
