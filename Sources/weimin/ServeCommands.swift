import ArgumentParser
import Foundation
import WeiminCore
import WeiminPersistence
import WeiminServer

// serve, migrate, demo: running the server and preparing its database.

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "启动服务。Start the server (the database must be migrated first).")

    @OptionGroup var data: DataOptions
    @OptionGroup var http: HTTPOptions

    func run() async throws {
        try await runReportingErrors {
            let config = try await data.load(extra: http.flags())
            try await ServerRunner.serve(config: config)
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "初始化或升级数据库（重复运行无副作用）。Create or upgrade the database; safe to repeat.")

    @OptionGroup var data: DataOptions

    func run() async throws {
        try await runReportingErrors {
            let config = try await data.load()
            let result = try await ServerRunner.withServices(config: config, migrate: true) { services in
                (services.migrationsApplied, services.database.location)
            }
            say("数据库：\(result.1)")
            if result.0.isEmpty {
                say("数据库结构已是最新，无需迁移。")
            } else {
                say("已执行 \(result.0.count) 个迁移：\(result.0.joined(separator: ", "))")
            }
        }
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "演示：初始化数据库、写入保靖县示例数据并启动服务（可重复运行）。Migrate, seed the 保靖县 demo and serve.")

    @OptionGroup var data: DataOptions
    @OptionGroup var http: HTTPOptions

    @Flag(name: .customLong("no-serve"), help: "只写入数据，不启动服务。Seed only, do not serve.")
    var noServe = false

    func run() async throws {
        try await runReportingErrors {
            let config = try await data.load(extra: http.flags())
            let summary = try await ServerRunner.withServices(config: config, migrate: true) { services in
                try await services.demoSeeder().seed()
            }
            say(summary.alreadySeeded ? "演示数据已存在，未重复写入。" : "已写入演示数据：保靖县（433125）。")
            say("区划 \(summary.regions) 个，群 \(summary.groups) 个，消息 \(summary.messages) 条，工单 \(summary.cases) 件。")
            say("演示账号（密码均为 \(DemoSeeder.password)）：")
            for a in DemoSeeder.accounts {
                say("  \(a.username.padding(toLength: 12, withPad: " ", startingAt: 0)) \(CoreStrings.roleName(a.role))  \(a.name)")
            }

            if !noServe {
                try await ServerRunner.serve(config: config)
            }
        }
    }
}
