import FluentKit
import Foundation

final class CalendarYearModel: Model, @unchecked Sendable {
    static let schema = "calendar_years"

    @ID(custom: "year", generatedBy: .user) var id: Int?
    @Field(key: "data") var data: String
    @Field(key: "loaded_at") var loadedAt: Date
    @Field(key: "loaded_by") var loadedBy: String

    init() {}
}
