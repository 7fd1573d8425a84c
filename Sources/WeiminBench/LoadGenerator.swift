#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Foundation
import Synchronization

/// A small HTTP/1.1 load generator for benchmarks: each connection is a thread with a blocking
/// keep-alive socket, sending prepared requests one after another and timing each answer.
/// Deliberately simple — no pipelining, so a request's latency is exactly what one client sees.
struct LoadGenerator {
    let port: UInt16
    let connections: Int

    struct Report: Sendable {
        var requests = 0
        var failures = 0
        var seconds = 0.0
        var latencies: [Double] = []  // milliseconds
        var firstFailure: String?

        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            let sorted = latencies.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
        }
    }

    /// Sends every request (split evenly over the connections); `requests[i]` is a full HTTP request. The
    /// connections run on their own threads and the caller is resumed when all are done, so no thread of
    /// Swift's cooperative pool — which the server's own work and its background services need — is blocked.
    func run(_ requests: [[UInt8]]) async -> Report {
        let total = Mutex(Report())
        let start = Self.now()
        var threads: [Thread] = []
        let done = DispatchGroup()
        for c in 0..<connections {
            let mine = stride(from: c, to: requests.count, by: connections).map { requests[$0] }
            done.enter()
            let thread = Thread {
                let partial = Self.drive(port: port, requests: mine)
                total.withLock { report in
                    report.requests += partial.requests
                    report.failures += partial.failures
                    report.latencies += partial.latencies
                    if report.firstFailure == nil { report.firstFailure = partial.firstFailure }
                }
                done.leave()
            }
            thread.stackSize = 1 << 20
            threads.append(thread)
        }
        threads.forEach { $0.start() }
        await withCheckedContinuation { (resume: CheckedContinuation<Void, Never>) in done.notify(queue: .global()) { resume.resume() } }
        var report = total.withLock { $0 }
        report.seconds = Self.now() - start
        return report
    }

    static func now() -> Double {
        // Monotonic, as CLOCK_MONOTONIC.
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }

    static func connect(port: UInt16) -> Int32? {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return nil }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { close(fd); return nil }
        return fd
    }

    static func drive(port: UInt16, requests: [[UInt8]]) -> Report {
        var report = Report()
        guard var fd = connect(port: port) else {
            report.failures = requests.count
            report.firstFailure = "cannot connect"
            return report
        }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        for request in requests {
            let t0 = now()
            var status = 0
            var ok = request.withUnsafeBytes { raw in
                var sent = 0
                while sent < raw.count {
                    let n = send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                    if n <= 0 { return false }
                    sent += n
                }
                return true
            }
            if ok { (ok, status) = readResponse(fd, &buffer) }
            report.requests += 1
            if ok && status == 200 {
                report.latencies.append((now() - t0) * 1000)
            } else {
                report.failures += 1
                if report.firstFailure == nil { report.firstFailure = ok ? "HTTP \(status)" : "connection lost" }
                if !ok {
                    close(fd)
                    guard let again = connect(port: port) else { return report }
                    fd = again
                }
            }
        }
        return report
    }

    /// Reads one response with a Content-Length body; returns whether it was complete and its status.
    static func readResponse(_ fd: Int32, _ buffer: inout [UInt8]) -> (Bool, Int) {
        var data: [UInt8] = []
        var headerEnd = -1
        var length = 0
        var chunked = false
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n <= 0 { return (false, 0) }
            data += buffer[0..<n]
            if headerEnd < 0, let end = find(data) {
                headerEnd = end
                let head = String(decoding: data[0..<end], as: UTF8.self).lowercased()
                if let r = head.range(of: "content-length:") {
                    length = Int(head[r.upperBound...].prefix { $0 != "\r" }.trimmingCharacters(in: .whitespaces)) ?? 0
                }
                chunked = head.contains("transfer-encoding: chunked")
            }
            // A chunked body ends with an empty chunk ("0\r\n\r\n"); otherwise Content-Length says where it ends.
            let complete =
                chunked
                ? data.count >= headerEnd + 9 && data.suffix(5).elementsEqual([48, 13, 10, 13, 10])
                : data.count >= headerEnd + 4 + length
            if headerEnd >= 0 && complete {
                let statusText = String(decoding: data[9..<min(12, data.count)], as: UTF8.self)
                return (true, Int(statusText) ?? 0)
            }
        }
    }

    static func find(_ data: [UInt8]) -> Int? {
        guard data.count >= 4 else { return nil }
        for i in 0...(data.count - 4) where data[i] == 13 && data[i + 1] == 10 && data[i + 2] == 13 && data[i + 3] == 10 { return i }
        return nil
    }
}
