import Foundation
import Testing
import WeiminCore

@Suite("Deadline rules")
struct DeadlineRuleTests {
    let rules = DeadlineRules.defaults

    @Test(
        "the most specific rule applies",
        arguments: [
            (DeadlineStep.response, Category.service, Urgency.normal, false, TimeLimit.workingMinutes(120)),
            (.response, .service, .urgent, false, .elapsedMinutes(30)),
            (.response, .opinion, .normal, false, .elapsedMinutes(60)),
            (.response, .opinion, .urgent, false, .elapsedMinutes(30)),
            (.handling, .publicity, .normal, false, .workingDays(1)),
            (.handling, .service, .urgent, false, .workingDays(5)),
            (.handling, .disclosure, .normal, false, .workingDays(5)),
            (.handling, .opinion, .normal, false, .workingDays(1)),
            (.handling, .petition, .normal, true, .calendarDays(60)),
            (.petitionAcceptance, .petition, .normal, false, .calendarDays(15)),
            (.returnWindow, .service, .normal, false, .workingDays(5)),
            (.reviewDecision, .petition, .normal, false, .calendarDays(30)),
            (.reportAcceptance, .petition, .normal, true, .workingDays(15)),
        ])
    func lookup(step: DeadlineStep, category: Category, urgency: Urgency, sealed: Bool, expected: TimeLimit) throws {
        let rule = try #require(rules.rule(for: step, category: category, urgency: urgency, sealed: sealed))
        #expect(rule.limit == expected)
        #expect(!rule.source.isEmpty)
    }

    @Test("rules that do not apply are not invented")
    func noMatch() {
        #expect(rules.rule(for: .reportAcceptance, category: .petition, urgency: .normal, sealed: false) == nil)
        #expect(rules.rule(for: .petitionAcceptance, category: .service, urgency: .normal, sealed: false) == nil)
    }

    @Test("petition limits cite the 2022 regulation, with the extension cap")
    func sources() throws {
        let h = try #require(rules.rule(for: .handling, category: .petition, urgency: .normal, sealed: false))
        #expect(h.source.contains("第三十四条"))
        #expect(h.maxExtension == .calendarDays(30))
        #expect(
            try #require(rules.rule(for: .handling, category: .service, urgency: .normal, sealed: false)).maxExtension == .workingDays(10))
    }

    @Test("a county's file overrides by id and adds rules")
    func overrides() throws {
        let json = #"""
            [{"id": "handling.service", "step": "handling", "category": "service", "limit": "3wd", "source": "某县规定：3个工作日"},
             {"id": "handling.service.urgent", "step": "handling", "category": "service", "urgency": "urgent", "limit": "4wh", "source": "某县规定"}]
            """#
        let merged = rules.merging(try DeadlineRules.overrides(json: Data(json.utf8)))
        #expect(merged.rule(for: .handling, category: .service, urgency: .normal, sealed: false)?.limit == .workingDays(3))
        #expect(merged.rule(for: .handling, category: .service, urgency: .urgent, sealed: false)?.limit == .workingMinutes(240))
        #expect(merged.rules.count == rules.rules.count + 1)
        #expect(throws: TimeLimit.ParseError.self) {
            try DeadlineRules.overrides(json: Data(#"[{"id":"x","step":"handling","limit":"5 weeks","source":"s"}]"#.utf8))
        }
    }

    @Test("compact limits parse and print back", arguments: ["5wd", "15d", "2wh", "90wm", "30m", "1h"])
    func compact(text: String) throws {
        #expect(try TimeLimit(parse: text).compact == text)
    }

    @Test("bad limits are refused", arguments: ["", "wd", "0wd", "-1d", "5w", "5 wd", "abc"])
    func badLimits(text: String) {
        #expect(throws: TimeLimit.ParseError.self) { try TimeLimit(parse: text) }
    }
}
