import Foundation
import Hummingbird
import WeiminCore
import WeiminPersistence

/// Sign-in for API clients: `POST /api/v1/sessions` with `{"username","password"}` — and `"code"`, the authenticator's
/// 6 digits, for accounts with a second factor (supervisor, discipline, admin always) — returns a bearer token.
/// The same sign-in as the console: one lock, one address throttle, one use per code.
struct SessionsController {
    let staff: StaffDirectory
    let signIn: SignInStore

    struct Credentials: Decodable {
        let username: String
        let password: String
        let code: String?
    }

    struct TokenDTO: ResponseEncodable {
        let token: String
        let expiresAt: Date
        let user: UserDTO
    }

    struct UserDTO: Codable, ResponseEncodable {
        let username: String
        let displayName: String
        let role: String
        let roleName: String
        let region: String
        let departmentId: UUID?

        init(_ v: Viewer) {
            username = v.username
            displayName = v.displayName
            role = v.role.rawValue
            roleName = CoreStrings.roleName(v.role)
            region = v.region.rawValue
            departmentId = v.departmentID
        }
    }

    func addRoutes(to group: RouterGroup<WeiminRequestContext>) {
        group.post("sessions") { request, context -> EditedResponse<TokenDTO> in
            let body: Credentials
            do {
                body = try await request.decode(as: Credentials.self, context: context)
            } catch {
                throw HTTPError(.badRequest, message: "请求体应为 JSON：{\"username\": \"…\", \"password\": \"…\"}，启用双因素认证的账号另加 \"code\"")
            }
            let viewer: Viewer
            switch try await signIn.apiSignIn(
                username: body.username, password: body.password, code: body.code,
                address: context.clientAddress(request))
            {
            case .success(let v): viewer = v
            case .failure(let refusal): throw SignInRefusalError(refusal).httpError
            }
            let issued = try await staff.issueToken(for: viewer)
            return EditedResponse(
                status: .created, response: TokenDTO(token: issued.token, expiresAt: issued.expiresAt, user: UserDTO(viewer)))
        }
        group.delete("sessions") { request, context -> HTTPResponse.Status in
            _ = try context.requireViewer()
            if let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
                try await staff.revokeToken(String(header.dropFirst("Bearer ".count)))
            }
            return .noContent
        }
        group.get("me") { _, context -> UserDTO in
            UserDTO(try context.requireViewer())
        }
    }
}
