//! Runs every `*.json` scenario in `$KASSA_SCENARIOS` (default
//! `../shared/scenarios`), of every kind, comparing each expected field as
//! an exact string. Prints one line per scenario id; any scenario that
//! fails, or has a kind this harness does not run, fails the suite.

mod adapter;

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::Value;

fn scenario_dir() -> PathBuf {
    match std::env::var_os("KASSA_SCENARIOS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/scenarios"),
    }
}

fn main() -> ExitCode {
    let dir = scenario_dir();
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().and_then(|x| x.to_str()) == Some("json"))
            .collect(),
        Err(e) => {
            eprintln!("cannot read scenarios at {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    files.sort();
    let (mut passed, mut failed) = (0usize, 0usize);
    for path in &files {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("?")
            .to_owned();
        let outcome = std::fs::read_to_string(path)
            .map_err(|e| format!("unreadable: {e}"))
            .and_then(|text| {
                serde_json::from_str::<Value>(&text).map_err(|e| format!("invalid JSON: {e}"))
            })
            .and_then(|scenario| {
                let id = scenario["id"].as_str().unwrap_or(&name).to_owned();
                adapter::run(&scenario)
                    .map(|cases| (id.clone(), cases))
                    .map_err(|e| format!("{id}: {e}"))
            });
        match outcome {
            Ok((id, cases)) => {
                passed += 1;
                println!(
                    "ok   {id} ({cases} case{})",
                    if cases == 1 { "" } else { "s" }
                );
            }
            Err(message) => {
                failed += 1;
                println!("FAIL {name}: {message}");
            }
        }
    }
    if files.is_empty() {
        println!("FAIL: no scenarios in {}", dir.display());
        failed += 1;
    }
    println!("scenarios: {passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
