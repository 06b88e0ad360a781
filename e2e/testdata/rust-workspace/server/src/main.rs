fn main() {
    // The greeting comes from the workspace's other member.
    println!("{}", serde_json::json!({ "greeting": util::greet("strata") }));
}
