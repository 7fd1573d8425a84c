import Foundation
import WeiminCore

/// The demo's staff as the workflow sees them; departments without a demo account get a stand-in handler.
struct DemoPeople {
    let centre: Viewer
    let supervisor: Viewer
    let discipline: Viewer
    let handlers: [String: Viewer]
    let county: RegionCode

    static func load(staff: StaffDirectory, county: RegionCode) async throws -> DemoPeople {
        func user(_ name: String) async throws -> Viewer {
            guard let v = try await staff.user(named: name) else { throw PersistenceError.notFound("演示账号 \(name)") }
            return v
        }
        var handlers: [String: Viewer] = [:]
        for (code, name) in [("zjj", "zhujian"), ("jtj", "jiaotong"), ("slj", "shuili")] { handlers[code] = try await user(name) }
        return DemoPeople(
            centre: try await user("shouli"), supervisor: try await user("duban"), discipline: try await user("jijian"), handlers: handlers,
            county: county)
    }

    func handler(_ code: String, _ department: UUID) -> Viewer {
        handlers[code]
            ?? Viewer(
                userID: UUID(), username: "\(code)-handler", displayName: "\(code) 承办人", role: .departmentHandler, region: county,
                departmentID: department)
    }
}

/// A small deterministic generator so the demo is the same on every machine.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func nextRaw() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(_ bound: Int) -> Int { Int(nextRaw() % UInt64(bound)) }
}
