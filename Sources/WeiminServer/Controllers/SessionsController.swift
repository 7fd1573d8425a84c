import Foundation
import Hummingbird
import WeiminCore
import WeiminPersistence

/// Sign-in for API clients: `POST /api/v1/sessions` with `{"username","password"}` returns a bearer token.
struct SessionsController {
    let staff: StaffDirectory

    struct Credentials: Decodable {
        let username: String
        let password: String
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
                throw HTTPError(.badRequest, message: "请求体应为 JSON：{\"username\": \"…\", \"password\": \"…\"}")
            }
            guard let viewer = try await staff.authenticate(username: body.username, password: body.password) else {
                throw HTTPError(.unauthorized, message: "用户名或密码错误")
            }
            let issued = try await staff.issueToken(for: viewer)
            return EditedResponse(status: .created, response: TokenDTO(token: issued.token, expiresAt: issued.expiresAt, user: UserDTO(viewer)))
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
