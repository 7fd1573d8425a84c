import Foundation
import Synchronization

/// Progress of a long command on standard error: one line rewritten in place on a terminal; on a pipe or a log file
/// (cron, systemd, an integrator's script) plain lines, at most one every few seconds, each with the time.
final class ProgressLine: Sendable {
    let terminal = isatty(2) == 1
    private let last = Mutex<ContinuousClock.Instant?>(nil)
    private let lastText = Mutex("")
    let every: Duration

    init(every: Duration = .seconds(5)) {
        self.every = every
    }

    /// `done` of `total` (total 0 when unknown), with what is being done.
    func show(_ what: String, _ done: Int, of total: Int, final: Bool = false) {
        let amount = total > 0 ? "\(done)/\(total)（\(done * 100 / max(total, 1))%）" : "\(done)"
        note("\(what) \(amount)", final: final)
    }

    /// A free-form step; plain output skips it when the last line was printed less than `every` ago (unless final).
    func note(_ text: String, final: Bool = false) {
        let now = ContinuousClock.now
        let due = last.withLock { last -> Bool in
            if !final, !terminal, let l = last, now - l < every { return false }
            if !final, terminal, let l = last, now - l < .milliseconds(100) { return false }
            last = now
            return true
        }
        // The same words twice in a row say nothing new (a final line after the last step was already shown).
        guard due,
            lastText.withLock({ previous in
                defer { previous = text }
                return previous != text
            })
        else { return }
        let line: String
        if terminal {
            line = "\r\u{1B}[2K" + text + (final ? "\n" : "")
        } else {
            line = "[\(Self.clock.string(from: Date()))] \(text)\n"
        }
        FileHandle.standardError.write(Data(line.utf8))
    }

    nonisolated(unsafe) static let clock: DateFormatter = {
        let f = DateFormatter()
        f.dateFormat = "HH:mm:ss"
        return f
    }()
}
