/* Offline stand-ins for the libraries pkgdown 2.0.7's Bootstrap 5 template
   loads from CDNs (headroom, bootstrap-toc, clipboard.js, mark.js, Fuse,
   autocomplete.js), so the site needs no network. Each implements only what
   pkgdown.js calls; without them pkgdown.js stops at its first line and the
   page has no table of contents, copy buttons or search. */
(function($) {
  "use strict";

  /* headroom: the navbar stays where it is. */
  $.fn.headroom = function() { return this; };

  /* bootstrap-toc: "On this page" from the h2/h3 headings that have ids,
     with bootstrap-toc 1.0.1's markup (pkgdown.scss styles it). */
  window.Toc = {
    init: function(opts) {
      var $nav = opts.$nav;
      if (!$nav || !$nav.length) return;
      var $top = $('<ul class="nav navbar-nav"></ul>');
      var $last = null;
      opts.$scope.each(function() {
        var level = parseInt(this.tagName.substring(1), 10);
        if (!this.id || level > 3) return;
        var $clone = $(this).clone();
        $clone.find(".anchor").remove();
        var $li = $("<li></li>").append(
          $('<a class="nav-link"></a>').attr("href", "#" + this.id).text($clone.text().trim()));
        if (level === 3 && $last) {
          var $sub = $last.children("ul");
          if (!$sub.length) $sub = $('<ul class="nav navbar-nav"></ul>').appendTo($last);
          $sub.append($li);
        } else {
          $top.append($li);
          $last = $li;
        }
      });
      $nav.append($top);
    }
  };

  /* clipboard.js: the copy buttons, through the browser's clipboard API. */
  function ClipboardJS(selector, opts) {
    var handlers = {};
    this.on = function(name, fn) { handlers[name] = fn; return this; };
    $(document).on("click", selector, function() {
      var trigger = this;
      var event = { trigger: trigger, clearSelection: function() {} };
      navigator.clipboard.writeText(opts.text(trigger)).then(
        function() { if (handlers.success) handlers.success(event); },
        function() { if (handlers.error) handlers.error(event); });
    });
  }
  ClipboardJS.isSupported = function() {
    return !!(navigator.clipboard && navigator.clipboard.writeText);
  };
  window.ClipboardJS = ClipboardJS;

  /* mark.js: search terms are not highlighted on the target page. */
  window.Mark = function() { this.mark = function() {}; };

  /* Fuse: every word of the query must occur in the entry; hits in the
     heading rank first. pkgdown.js keeps results with score <= 0.75. */
  window.Fuse = function(data) {
    this.search = function(query, opts) {
      var words = query.toLowerCase().split(/\s+/).filter(Boolean);
      var hits = [];
      data.forEach(function(item) {
        var head = ((item.what || "") + " " + (item.title || "")).toLowerCase();
        var all = head + " " + ((item.text || "") + " " + (item.code || "")).toLowerCase();
        if (!words.every(function(w) { return all.indexOf(w) >= 0; })) return;
        var inHead = words.filter(function(w) { return head.indexOf(w) >= 0; }).length;
        hits.push({ item: item, score: 0.5 * (1 - inHead / words.length) });
      });
      hits.sort(function(a, b) { return a.score - b.score; });
      return hits.slice(0, (opts && opts.limit) || 20);
    };
  };

  /* autocomplete.js: a dropdown under the search box, with autocomplete.js's
     class names (pkgdown.scss styles them). Paths in search.json start at
     the site root ("/reference/..."): they are made relative to this page's
     root so the site works in any folder. */
  $.fn.autocomplete = function(options, datasets) {
    var $input = this;
    if (!$input.length) return $input;
    var source = datasets[0].source, suggestion = datasets[0].templates.suggestion;
    var root = String($input.data("search-index") || "search.json").replace(/search\.json$/, "");
    var $wrap = $('<span class="algolia-autocomplete" style="position: relative; display: inline-block;"></span>');
    $input.wrap($wrap);
    var $menu = $('<div class="aa-dropdown-menu" style="position: absolute; top: 100%; left: 0; z-index: 100; display: none;"></div>');
    $input.after($menu);
    var items = [], cursor = -1, latest = 0;

    function close() { $menu.hide().empty(); items = []; cursor = -1; }
    function select(i) {
      var s = $.extend({}, items[i]);
      if (s.path && s.path.charAt(0) === "/") s.path = root + s.path.substring(1);
      close();
      $input.trigger("autocomplete:selected", [s]);
    }
    function move(i) {
      var $all = $menu.children(".aa-suggestion").removeClass("aa-cursor");
      cursor = i;
      if (i >= 0) $all.eq(i).addClass("aa-cursor");
    }

    $input.on("input", function() {
      var query = $input.val(), call = ++latest;
      if (query.length < (options.minLength || 1)) { close(); return; }
      source(query, function(found) {
        if (call !== latest) return;
        close();
        items = found;
        found.forEach(function(s, i) {
          $('<div class="aa-suggestion"></div>').html(suggestion(s))
            .on("mousedown", function(e) { e.preventDefault(); select(i); })
            .appendTo($menu);
        });
        if (found.length) { $menu.show(); if (options.autoselect) move(0); }
      });
    });
    $input.on("keydown", function(e) {
      if (!items.length) return;
      if (e.key === "ArrowDown") { move(Math.min(cursor + 1, items.length - 1)); e.preventDefault(); }
      else if (e.key === "ArrowUp") { move(Math.max(cursor - 1, 0)); e.preventDefault(); }
      else if (e.key === "Enter" && cursor >= 0) { select(cursor); e.preventDefault(); }
      else if (e.key === "Escape") close();
    });
    $input.on("blur", close);
    return $input;
  };
})(window.jQuery);
