import Metrics
import WeiminPersistence

/// Refused sign-ins by channel and reason, for `/metrics`: a rising `wrong` is someone guessing, a rising `locked`
/// or `throttled` is the guard working (and, for a real user, a call to the help desk).
enum SignInMetrics {
    static func count(channel: String, _ outcome: SignInStore.PasswordOutcome) {
        switch outcome {
        case .accepted: return
        case .wrong: record(channel, "wrong")
        case .locked: record(channel, "locked")
        case .throttled: record(channel, "throttled")
        }
    }

    static func count(channel: String, _ refusal: SignInStore.APIRefusal) {
        switch refusal {
        case .wrong: record(channel, "wrong")
        case .locked: record(channel, "locked")
        case .throttled: record(channel, "throttled")
        case .wrongCode: record(channel, "wrong_code")
        case .codeRequired, .secondFactorNotSetUp, .mustChangePassword: record(channel, "not_allowed")
        }
    }

    static func record(_ channel: String, _ reason: String) {
        Counter(label: "weimin_signin_refused_total", dimensions: [("channel", channel), ("reason", reason)]).increment()
    }
}
