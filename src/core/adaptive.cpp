// The adaptive mode (see adaptive.h). Each series owns its statistic, rule
// and shuffle stream for the whole run, so its k-th shuffle is the k-th
// shuffle a fixed-K run of the same series would draw. Short series whose
// n! fits the per-series budget are enumerated at once (exact p, decided).
#include "adaptive.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>

namespace propgrad {

namespace {

struct SeriesState {
  std::unique_ptr<SeriesStatistic> stat;
  std::unique_ptr<ShuffleStream> stream;
  ExtremeRule rule;
  // A pilot centre is only an estimate: the counts at its bracket's ends
  // (pvalue.h) keep the bounds honest for the exact centre's p.
  CentreBracket bracket;
  RunningMoments moments;
  int64_t b = 0;
  double low = 0.0, high = 1.0;  // running intersection of the bounds
  bool in_procedure = false;      // finite T0, no error
  bool monte_carlo = false;       // still sampled (not enumerated)
};

// The share of a series' error spent by its first n shuffles.
double spent(double n, double r) { return n / (n + r); }

}  // namespace

AdaptiveRun adaptive_many(const std::vector<SeriesData>& series, const ShuffleOptions& opt,
                          const AdaptiveOptions& aopt, int nthreads, StopSignal& stop) {
  const std::size_t m = series.size();
  AdaptiveRun out;
  out.results.resize(m);
  out.decision.assign(m, Decision::Undecided);
  std::vector<SeriesState> state(m);
  const int64_t cap = std::max<int64_t>(1, aopt.max_per_series);

  // Set-up: T0, centre, pilot, or a full enumeration for short series.
  parallel_for_polled(static_cast<long>(m), nthreads, stop, [&](long i, bool is_master) {
    SeriesState& st = state[i];
    ShuffleResult& res = out.results[i];
    try {
      const SeriesData& s = series[i];
      if (s.n < 2 || s.y == nullptr) throw std::invalid_argument("empty series");
      // Enumerating beyond 8! costs more than sampling usually needs.
      const int64_t n_exact =
          opt.allow_exact ? exact_permutation_count(s.n, std::min<int64_t>(cap, 40320)) : 0;
      if (n_exact > 0) {
        ShuffleOptions exact = opt;
        exact.n_perm = n_exact;
        exact.sequential = 0;
        res = shuffle_series(s, exact, nullptr, stop, is_master);
        st.in_procedure = res.finite && res.n_used > 0;
        st.low = res.p_low;
        st.high = res.p_high;
        return;
      }
      st.stat = std::make_unique<SeriesStatistic>(opt.statistic, s.y, s.t, s.n, s.d, opt.gradient);
      if (!prepare_series_result(*st.stat, s, opt, res)) {
        report_in_user_units(*st.stat, res, nullptr, 0);
        return;
      }
      if (!open_ended_rule(s, *st.stat, opt, cap, res, stop, is_master, st.rule)) return;
      if (res.centre_kind == CentreKind::Pilot) {
        // Half of the series' error share goes to the centre's bracket.
        const double share = aopt.epsilon / static_cast<double>(std::max<std::size_t>(1, m));
        st.bracket = centre_bracket(opt, res, centre_margin(res.centre_sd, res.n_pilot, 1.0 - share));
      }
      st.stream = std::make_unique<ShuffleStream>(s, opt.seed, s.key);
      st.in_procedure = st.monte_carlo = true;
    } catch (const std::exception& e) {
      res.error = e.what();
    }
  });
  if (stop.stopped()) return out;

  std::size_t m_mc = 0;
  for (std::size_t i = 0; i < m; ++i) {
    out.total_shuffles += static_cast<double>(out.results[i].n_used + out.results[i].n_pilot);
    m_mc += state[i].monte_carlo;
  }
  std::vector<std::size_t> members;  // series the procedure sees
  for (std::size_t i = 0; i < m; ++i)
    if (state[i].in_procedure) members.push_back(i);
  std::vector<double> lows(members.size()), highs(members.size());

  auto decide = [&]() {
    for (std::size_t k = 0; k < members.size(); ++k) {
      lows[k] = state[members[k]].low;
      highs[k] = state[members[k]].high;
    }
    // Rejected even at the upper bounds: significant; not rejected even at
    // the lower bounds: not significant; otherwise still open.
    const auto sure = procedure_rejects(highs, aopt.procedure, aopt.alpha);
    const auto maybe = procedure_rejects(lows, aopt.procedure, aopt.alpha);
    std::vector<long> open;
    for (std::size_t k = 0; k < members.size(); ++k) {
      const std::size_t i = members[k];
      out.decision[i] = sure[k] ? Decision::Significant
                                : (maybe[k] ? Decision::Undecided : Decision::NotSignificant);
      if (out.decision[i] == Decision::Undecided && state[i].monte_carlo &&
          out.results[i].n_used < cap) {
        open.push_back(static_cast<long>(i));
      }
    }
    return open;
  };

  const double eps_each = aopt.epsilon / static_cast<double>(std::max<std::size_t>(1, m_mc));
  double batch = static_cast<double>(std::max<int64_t>(1, aopt.first_batch));
  std::vector<long> open = decide();
  while (!open.empty()) {
    if (stop.check(true)) return out;
    batch = std::min(static_cast<double>(aopt.max_batch), std::floor(aopt.growth * batch));
    const int64_t draws = static_cast<int64_t>(batch);
    std::vector<int64_t> todo(open.size());
    double planned = 0.0;
    for (std::size_t k = 0; k < open.size(); ++k) {
      todo[k] = std::min(draws, cap - out.results[open[k]].n_used);
      planned += static_cast<double>(todo[k]);
    }
    if (aopt.max_total > 0 && out.total_shuffles + planned > aopt.max_total) {
      out.budget_spent = true;
      break;
    }
    parallel_for_polled(static_cast<long>(open.size()), nthreads, stop, [&](long k, bool is_master) {
      const std::size_t i = static_cast<std::size_t>(open[k]);
      SeriesState& st = state[i];
      ShuffleResult& res = out.results[i];
      const int64_t n_draw = todo[k];
      WorkPoll poll(&stop, series[i].n * series[i].d, is_master);
      for (int64_t j = 0; j < n_draw; ++j) {
        if (poll.stop()) return;
        const double tk = st.stream->next(*st.stat);
        st.moments.add(tk);
        st.b += st.rule(tk);
        st.bracket.count(tk);
      }
      const double before = static_cast<double>(res.n_used);
      res.n_used += n_draw;
      // This batch's share of the error, as a two-sided Clopper-Pearson level
      // (half of it when the other half guards a pilot centre).
      const double a = (spent(static_cast<double>(res.n_used), aopt.spending) - spent(before, aopt.spending)) *
                       eps_each * (st.bracket.active ? 0.5 : 1.0);
      // Each count's interval at 1 - a: the bracket's union takes 1 - 2a.
      const PValue p = st.bracket.p_value(PKind::PlusOne, st.b, res.n_used,
                                          st.bracket.active ? 1.0 - 2.0 * a : 1.0 - a);
      st.low = std::max(st.low, p.low);
      st.high = std::min(st.high, p.high);
    });
    if (stop.stopped()) return out;
    out.total_shuffles += planned;
    ++out.iterations;
    open = decide();
  }
  bool capped = false;
  for (std::size_t i = 0; i < m; ++i) {
    SeriesState& st = state[i];
    ShuffleResult& res = out.results[i];
    if (!st.monte_carlo) continue;
    capped = capped || (out.decision[i] == Decision::Undecided && res.n_used >= cap);
    res.exceedances = st.b;
    const PValue p = monte_carlo_p(PKind::PlusOne, st.b, res.n_used, opt.conf_level);
    res.p_value = p.p;
    res.p_low = st.low;
    res.p_high = st.high;
    finish_moments(st.moments, res);
    report_in_user_units(*st.stat, res, nullptr, 0);
  }
  out.budget_spent = out.budget_spent || capped;
  return out;
}

}  // namespace propgrad
