/*! Rebound pixel v1 | docs/pixel.md */
(function(w,d,n){
var X=w.rebound;if(X&&X.loaded)return;
var L=location,Q=X&&X.q||[],K,B,R=null,G=n.globalPrivacyControl===true,C={},H=[],A,U,T,
 CI=['fbclid','gclid','gbraid','wbraid','ttclid','epik'],M={c:{},k:{}},SK='_rb_c';
try{U=localStorage.getItem('_rb_uid')}catch(e){}
function uuid(){var c=w.crypto;if(c&&c.randomUUID)return c.randomUUID();
 return'10000000-1000-4000-8000-100000000000'.replace(/[018]/g,x=>(x^(c?c.getRandomValues(new Uint8Array(1))[0]:Math.random()*256)&15>>x/4).toString(16))}
function iso(){return new Date().toISOString()}
function ck(c,v,a){
 try{if(v==null)return(v=d.cookie.match('(^|; )'+c+'=([^;]+)'))&&decodeURIComponent(v[2]);
 d.cookie=c+'='+encodeURIComponent(v)+';max-age='+a+';path=/;SameSite=Lax'+(L.protocol=='https:'?';Secure':'')}catch(z){}}
// Ad platforms' ids: their cookies; the landing's click ids, kept 90 days (fbclid as _fbc, like Meta's pixel).
function clk(){
 var k={},s,y,v,f=M.k.fbclid,D=7776000;
 try{s=JSON.parse(ck('_rb_ck'))}catch(z){}s=s||{};
 for(y in M.k)s[y]=M.k[y];y&&ck('_rb_ck',JSON.stringify(s),D);
 if(f&&!(ck('_fbc')||'').endsWith('.'+f))ck('_fbc','fb.1.'+Date.now()+'.'+f,D);
 for(y of['fbp','fbc','ttp','epik'])s[y]=ck('_'+y)||s[y];
 s.ga_client_id=((ck('_ga')||'').match(/^GA\d\.\d+\.(\d+\.\d+)$/)||0)[1];
 for(y in s)if((v=s[y])&&/^[\w.~=+\/-]{1,500}$/.test(v)&&(!/^fb[cp]$/.test(y)||/^fb\./.test(v)))k[y]=v;
 return k}
// Compact SHA-256 for contexts without crypto.subtle (plain http). Input: a JS string, hashed as UTF-8.
function sha(s){
 s=unescape(encodeURIComponent(s));
 var P=Math.pow,W=P(2,32),h=[],k=[],c=[],i,j,n=0,x,r='',l=s.length*8,wd=[],a,e,t1,t2;
 for(x=2;n<64;x++)if(!c[x]){for(i=x*x;i<313;i+=x)c[i]=1;h[n]=P(x,.5)*W|0;k[n++]=P(x,1/3)*W|0}
 function rr(v,b){return v>>>b|v<<32-b}
 s+='\x80';while(s.length%64-56)s+='\0';
 for(i=0;i<s.length;i++)wd[i>>2]|=s.charCodeAt(i)<<(3-i%4)*8;
 wd.push(l/W|0,l);h=h.slice(0,8);
 for(j=0;j<wd.length;){
  var v=wd.slice(j,j+=16),o=h;h=h.slice(0);
  for(i=0;i<64;i++){
   var f=v[i-15],g=v[i-2];a=h[0];e=h[4];
   t1=h[7]+(rr(e,6)^rr(e,11)^rr(e,25))+(e&h[5]^~e&h[6])+k[i]+(v[i]=i<16?v[i]:v[i-16]+(rr(f,7)^rr(f,18)^f>>>3)+v[i-7]+(rr(g,17)^rr(g,19)^g>>>10)|0);
   t2=(rr(a,2)^rr(a,13)^rr(a,22))+(a&h[1]^a&h[2]^h[1]&h[2]);
   h=[t1+t2|0].concat(h);h[4]=h[4]+t1|0;h.length=8}
  for(i=0;i<8;i++)h[i]=h[i]+o[i]|0}
 for(i=0;i<8;i++)for(j=3;j+1;j--){x=h[i]>>j*8&255;r+=(x<16?0:'')+x.toString(16)}
 return r}
function hex(b){return[...new Uint8Array(b)].map(x=>(x<16?'0':'')+x.toString(16)).join('')}
// Google matches a Gmail address without dots or +tag: that form, only where it differs (decision 0022).
function gm(e){var q=e.match(/^([^@]+)(@g(oogle)?mail\.com)$/),l=q&&q[1].split('+')[0].replace(/\./g,'')+q[2];return q&&l!=e&&l[0]!='@'?[e,l]:[e]}
// The digests of gm's forms; JSON drops an undefined second one.
function eh(x,v){x.email_sha256=v[0];x.email_google_sha256=v[1]}
// Consent: storage (cookie, sending) needs ad_storage granted when the store requires consent,
// and is refused whenever ad_storage is denied. Identifiers also need no GPC and ad_user_data not denied.
function ok(){return C.ad_storage=='granted'||R===false&&C.ad_storage!='denied'}
function ids(){return ok()&&!G&&C.ad_user_data!='denied'}
function strip(u){try{u=new URL(u);CI.forEach(y=>u.searchParams.delete(y));return u.href}catch(z){return u}}
function ctx(){var p={url:L.href,referrer:d.referrer,title:d.title,path:L.pathname};return{page:p,campaign:M.c}}
function add(t,e,p,o){
 var m={type:t,messageId:o&&o.eventID?''+o.eventID:uuid(),timestamp:iso(),context:ctx()};
 if(e)m.event=e;if(p)m.properties=JSON.parse(JSON.stringify(p));if(U)m.userId=U;
 if(H.length<100)H.push(m);sched();return m}
function ident(t){
 t=t||{};var id=t.user_id||t.userId,e=t.email&&(''+t.email).trim().toLowerCase(),p=t.phone&&(''+t.phone).replace(/\D/g,''),x={},s=w.crypto&&crypto.subtle;
 if(id)U=''+id;
 var m=add('identify',0,0,t);m.traits=x;
 if(p)x.phone_sha256=sha(p);
 if(e){m.e=gm(e);if(s&&w.TextEncoder)Promise.all(m.e.map(y=>s.digest('SHA-256',new TextEncoder().encode(y)))).then(b=>{if(m.e){eh(x,b.map(hex));delete m.e;sched()}},()=>0);else{eh(x,m.e.map(sha));delete m.e}}}
function sched(){if(!T){T=1;Promise.resolve().then(()=>{T=0;run()})}}
// Sends held messages when allowed; f (page hiding) hashes synchronously instead of waiting.
function run(f){
 if(!K||R===null)return;
 if(!ok()){if(C.ad_storage){H=[];ck('_rb_aid','',-1);ck('_rb_ck','',-1);try{localStorage.removeItem('_rb_uid');sessionStorage.removeItem(SK)}catch(z){}}return}
 if(!A){A=ck('_rb_aid')||uuid();ck('_rb_aid',A,34560000);try{sessionStorage.setItem(SK,JSON.stringify(M))}catch(z){}}
 var b=[],i=ids(),a=i&&C.ad_personalization!='denied',k=a?clk():{},cs={},m,y;
 if(i&&U)try{localStorage.setItem('_rb_uid',U)}catch(z){}
 for(y in C)cs[y]=C[y];
 while(H.length){
  m=H[0];
  if(m.e&&i){if(!f)break;eh(m.traits,m.e.map(sha))}
  delete m.e;
  H.shift();m.anonymousId=A;m.context.consent=cs;m.context.gpc=G;m.context.library={name:'rebound-pixel',version:'1'};
  m.context.clickIds=k;if(!a)m.context.page.url=strip(m.context.page.url);
  if(!i){delete m.userId;delete m.traits;if(m.type=='identify')continue}
  b.push(m)}
 if(b.length)post(b)}
function post(b){
 var u=B+'/v1/collect',s=JSON.stringify({writeKey:K,sentAt:iso(),batch:b});
 if(!(n.sendBeacon&&s.length<6e4&&n.sendBeacon(u,s)))try{fetch(u,{method:'POST',keepalive:s.length<6e4,body:s,headers:{'Content-Type':'text/plain'}})}catch(z){}}
function init(k,o){
 if(K)return;o=o||{};K=k;
 var sc=d.currentScript,q=new URLSearchParams(L.search),c={},cl={},y,hit;
 B=(o.baseUrl||(sc&&sc.src?sc.src.replace(/\/pixel\.js(\?.*)?$/,''):L.origin)).replace(/\/$/,'');
 'source medium name term content'.split(' ').forEach(y=>{var v=q.get('utm_'+(y=='name'?'campaign':y));if(v){c[y]=v;hit=1}});
 CI.forEach(y=>{var v=q.get(y);if(v){cl[y]=v;hit=1}});
 if(hit)M={c:c,k:cl};else try{M=JSON.parse(sessionStorage.getItem(SK))||M}catch(z){}
 if(o.consentRequired!=null)R=!!o.consentRequired;
 else fetch(B+'/v1/projects/'+encodeURIComponent(K)+'/settings').then(r=>{if(!r.ok)throw 0;return r.json()})
  .then(j=>{R=!!(j.rebound&&j.rebound.consentRequired)},()=>{R=true}).then(sched);
 add('page','PageView',{path:L.pathname,title:d.title})}
function api(c,a,b,o){
 if(c=='init')init(a,b);
 else if(c=='track'&&a)add('track',''+a,b,o);
 else if(c=='page')add('page','PageView',a);
 else if(c=='identify')ident(a);
 else if(c=='consent'){for(var y in a||{})C[y]=a[y]===true||a[y]=='granted'?'granted':'denied';sched()}}
w.rebound=api;api.loaded=1;api.h=sha;
for(var i=0;i<Q.length;i++)api.apply(0,Q[i]);
w.addEventListener('pagehide',()=>run(1));
d.addEventListener('visibilitychange',()=>{if(d.visibilityState=='hidden')run(1)});
})(window,document,navigator);
