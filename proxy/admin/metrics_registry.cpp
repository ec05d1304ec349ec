#include "proxy/admin/metrics_registry.hpp"

#include <prometheus/text_serializer.h>

namespace litmus::admin {

void metrics_registry::add_collector(std::shared_ptr<const prometheus::Collectable> c)
{
    collectors_.push_back(std::move(c));
}

std::string metrics_registry::serialize() const
{
    auto families = registry_.Collect();
    for (const auto& c : collectors_) {
        auto more = c->Collect();
        families.insert(families.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
    }
    return prometheus::TextSerializer().Serialize(families);
}

}  // namespace litmus::admin
