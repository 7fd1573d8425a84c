import Foundation

// SwiftPM generates `Bundle.module` for WeiminCore's resources; the fuzz build compiles the module with plain
// swiftc, so give it one. Only the holiday calendar reads it, and none of the fuzzed parsers call that.
extension Foundation.Bundle {
    static var module: Bundle { Bundle.main }
}
