/// Finds the first object key that appears twice in its object, with its JSON path: the slow
/// path behind ``JSONParser``'s duplicate check, run only once a duplicate is known to exist
/// (so it may allocate freely). The document has already passed the strict lexer and json-c.
enum DuplicateKeyFinder {
    struct Duplicate {
        /// The path of the repeated member (`$.child.givenName`).
        let path: String
        /// The path of the object that holds it (`$.child`).
        let object: String
        let key: String
        /// Where the second occurrence starts.
        let offset: Int
    }

    private enum Frame {
        case object(keys: Set<String>, key: String?)
        case array(index: Int)
    }

    static func find(_ bytes: UnsafeRawBufferPointer) -> Duplicate? {
        var stack: [Frame] = []
        var index = 0
        func path(_ frames: ArraySlice<Frame>) -> [any CodingKey] {
            frames.compactMap { frame -> (any CodingKey)? in
                switch frame {
                case .object(_, let key): key.map { JSONKey($0) }
                case .array(let index): JSONKey(index: index)
                }
            }
        }
        while index < bytes.count {
            switch bytes[index] {
            case 0x7B:  // {
                stack.append(.object(keys: [], key: nil))
            case 0x5B:  // [
                stack.append(.array(index: 0))
            case 0x7D, 0x5D:  // } ]
                _ = stack.popLast()
            case 0x2C:  // ,
                if case .array(let position)? = stack.last { stack[stack.count - 1] = .array(index: position + 1) }
            case 0x22:  // "
                let start = index
                index += 1
                while index < bytes.count && bytes[index] != 0x22 {
                    index += bytes[index] == 0x5C ? 2 : 1
                }
                var after = index + 1
                while after < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[after]) { after += 1 }
                guard after < bytes.count, bytes[after] == 0x3A, case .object(var keys, _)? = stack.last else { break }
                let raw = UnsafeRawBufferPointer(rebasing: bytes[start...min(index, bytes.count - 1)])
                let key = (try? JSONParser(limits: JSONLimits(maxBytes: raw.count + 1)).parse(raw).value().stringValue) ?? nil
                guard let key else { break }
                if keys.contains(key) {
                    let holder = JSONPath.render(path(stack.dropLast()))
                    return Duplicate(path: JSONPath.render(path(stack.dropLast()) + [JSONKey(key)]), object: holder, key: key, offset: start)
                }
                keys.insert(key)
                stack[stack.count - 1] = .object(keys: keys, key: key)
            default:
                break
            }
            index += 1
        }
        return nil
    }
}
