import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import ContinuumStore
import Hummingbird
import Logging
import NIOCore

/// The administrator's API for partners' webhooks (issue 24): the same as `continuum partner
/// webhook` and `continuum partner deliveries`, for a council's own tooling.
struct AdminRoutes: Sendable {
    let store: any CaseStore
    let access: Access
    let configuration: ServerConfiguration
    let logger: Logger

    func register(on router: Router<ContinuumRequestContext>) {
        router.post("/v1/admin/webhooks") { request, _ in
            let principal = try await access.require(request, [.admin], action: "register partners' webhooks")
            let buffer = try await HTTPBodies.read(request, mediaType: "application/json", limit: configuration.maxBodyBytes)
            let body = try HTTPBodies.decode(WebhookRequest.self, from: buffer, limit: configuration.maxBodyBytes)
            var secret: [UInt8]?
            if let hex = body.secret {
                guard let bytes = HexText.decode(hex), bytes.count >= 16 else {
                    throw APIProblem.badRequest("Invalid webhook", [JSONProblem(path: "$.secret", message: "must be hex of 16 bytes or more")])
                }
                secret = bytes
            }
            guard !body.partnerId.isEmpty, body.partnerId.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                throw APIProblem.badRequest("Invalid webhook", [JSONProblem(path: "$.partnerId", message: "must be a partner id: letters, digits, '-', '_' or '.'")])
            }
            let (info, key) = try await store.addWebhook(partnerId: body.partnerId, url: body.url, secret: secret, allowHTTP: body.allowHttp ?? false,
                                                         at: configuration.now())
            logger.notice("webhook registered", metadata: ["webhook": .string(info.webhookId), "partner": .string(info.partnerId), "token": .string(principal.tokenId)])
            return try HTTPBodies.json(WebhookCreated(webhook: info, secret: secret == nil ? HexText.encode(key) : nil), status: .created)
        }
        router.get("/v1/admin/webhooks") { request, _ in
            _ = try await access.require(request, [.admin], action: "list partners' webhooks")
            let partner = request.uri.queryParameters.get("partnerId").map { String($0) }
            return try HTTPBodies.json(try await store.webhooks(partnerId: partner))
        }
        router.delete("/v1/admin/webhooks/:webhookId") { request, context in
            let principal = try await access.require(request, [.admin], action: "remove partners' webhooks")
            let id = try context.parameters.require("webhookId")
            try await store.removeWebhook(id, at: configuration.now())
            logger.notice("webhook removed", metadata: ["webhook": .string(id), "token": .string(principal.tokenId)])
            return Response(status: .noContent)
        }
        router.get("/v1/admin/deliveries") { request, _ in
            _ = try await access.require(request, [.admin], action: "read webhook deliveries")
            var status: DeliveryInfo.Status?
            if let text = request.uri.queryParameters.get("status").map({ String($0) }) {
                status = Codes.parse(text, as: DeliveryInfo.Status.self)
                if status == nil {
                    throw APIProblem.badRequest("Invalid query", [JSONProblem(path: "status", message: Codes.unknown("status", text, among: DeliveryInfo.Status.allCases.map(\.rawValue)))])
                }
            }
            let limit = try StaffRoutes.limit(request, default: QueuePage.defaultLimit)
            return try HTTPBodies.json(try await store.deliveries(status: status, limit: limit))
        }
        router.post("/v1/admin/deliveries/:deliveryId/retry") { request, context in
            let principal = try await access.require(request, [.admin], action: "retry webhook deliveries")
            let id = try context.parameters.require("deliveryId")
            try await store.retryDelivery(id, at: configuration.now())
            logger.notice("delivery retried", metadata: ["delivery": .string(id), "token": .string(principal.tokenId)])
            return Response(status: .accepted)
        }
    }
}
