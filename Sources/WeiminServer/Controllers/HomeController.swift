import Foundation
import Hummingbird
import WeiminCore
import WeiminPersistence

/// `GET /`: a plain page for whoever opens the server's address in a browser, in Chinese, saying what
/// is running and on which database, with the calendar warning if next year's holidays are missing, a link to
/// the web console's sign-in (`/login`, served by Web/) and the main API routes. No sign-in needed.
struct HomeController {
    let services: AppServices

    func addRoutes(to router: Router<WeiminRequestContext>) {
        router.get("/") { _, _ -> Response in
            let location = services.database.location.isSQLite ? "内置数据库（SQLite）" : "PostgreSQL"
            let warning = services.calendarWarning().map { "<p class=\"warn\">⚠ \(Self.escape($0))</p>" } ?? ""
            let html = """
                <!doctype html>
                <html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
                <title>为民 Weimin</title>
                <style>body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;font-size:17px;line-height:1.7;max-width:46em;margin:2em auto;padding:0 1em;color:#222}
                h1{color:#b22222}code{background:#f3f3f3;padding:0 .3em}.warn{color:#a15c00}</style></head>
                <body><h1>为民 Weimin</h1>
                <p>村级群众诉求受理、派单、限时办结、督办和全程留痕服务正在运行（\(location)）。</p>
                \(warning)
                <p><a href="/login">登录网页工作台</a>（待办工单、督办、待人工判断的消息）。也可通过接口使用：</p>
                <ul><li>登录：<code>POST /api/v1/sessions</code>（用户名、密码）</li>
                <li>工单台账：<code>GET /api/v1/cases</code>；单个工单：<code>GET /api/v1/cases/工单编号</code></li>
                <li>办理操作：<code>POST /api/v1/cases/工单编号/actions</code></li>
                <li>督办：<code>GET /api/v1/supervision</code>；运行状态：<code>GET /healthz</code></li></ul>
                <p>使用说明见随程序提供的 README。</p></body></html>
                """
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: .init(string: html)))
        }
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
            of: ">", with: "&gt;")
    }
}
