import Foundation
import Hummingbird
import WeiminCore

/// Regions and groups within the viewer's scope.
struct RegionsController {
    let services: AppServices

    func addRoutes(to group: RouterGroup<WeiminRequestContext>) {
        // GET /api/v1/regions?parent=CODE (children) or ?level=township (all in scope at that level)
        group.get("regions") { request, context -> ListDTO<RegionDTO> in
            let viewer = try context.requireViewer(reading: .regions)
            let q = request.uri.queryParameters
            if let levelText = q["level"].map(String.init) {
                guard let level = RegionLevel(rawValue: levelText) else {
                    throw HTTPError(.badRequest, message: "level 参数无效：可选 \(RegionLevel.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return ListDTO(items: try await services.regions.regions(level: level, within: viewer.region).map(RegionDTO.init))
            }
            let parent = try QueryParsing.region(q["parent"].map(String.init), name: "parent") ?? viewer.region
            guard viewer.region.contains(parent) || parent.contains(viewer.region) else {
                throw HTTPError(.forbidden, message: "区划 \(parent) 不在您的管辖范围内")
            }
            if !viewer.region.contains(parent) {
                // Above the viewer's own region: show only the viewer's own branch.
                return ListDTO(items: try await services.regions.region(viewer.region).map { [RegionDTO($0)] } ?? [])
            }
            return ListDTO(items: try await services.regions.children(of: parent).map(RegionDTO.init))
        }

        group.get("groups") { request, context -> PageDTO<GroupDTO> in
            let viewer = try context.requireViewer(reading: .groups)
            let q = request.uri.queryParameters
            let within = try QueryParsing.region(q["region"].map(String.init), name: "region") ?? viewer.region
            guard viewer.region.contains(within) else {
                throw HTTPError(.forbidden, message: "区划 \(within) 不在您的管辖范围内")
            }
            let (page, per) = try QueryParsing.paging(q)
            return PageDTO(try await services.groups.groups(within: within, page: page, perPage: per), map: GroupDTO.init)
        }

        group.get("groups/:id/members") { _, context -> ListDTO<MemberDTO> in
            let viewer = try context.requireViewer(reading: .groups)
            let id = try context.parameters.require("id", as: UUID.self)
            guard let g = try await services.groups.group(id: id), viewer.region.contains(g.villageCode) else {
                throw HTTPError(.notFound, message: "群不存在或不在您的管辖范围内")
            }
            return ListDTO(
                items: try await services.groups.members(of: id).map {
                    MemberDTO(
                        platformUserId: $0.platformUserID, displayName: $0.displayName, kind: $0.kind.rawValue,
                        kindName: CoreStrings.personKindName($0.kind), isAdmin: $0.isAdmin)
                })
        }

        group.get("departments") { _, context -> ListDTO<DepartmentDTO> in
            let viewer = try context.requireViewer(reading: .departments)
            guard let county = viewer.region.countyCode else {
                throw HTTPError(.badRequest, message: "部门按县管理：请以县级及以下账号查看")
            }
            return ListDTO(
                items: try await services.departments.departments(county: county).map {
                    DepartmentDTO(id: $0.id, code: $0.code, name: $0.name)
                })
        }
    }
}
